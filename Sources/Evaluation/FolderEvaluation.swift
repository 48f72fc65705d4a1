import Foundation
import ImageCodecs

/// Predictions compared with their ground truth, image by image, as `translate eval` does.
///
/// Two folders are matched by relative path without the extension (`pred/sub/a.png` with
/// `gt/sub/a.jpg`); `.png`, `.jpg` and `.jpeg` files count (any case), hidden files and other files
/// are ignored. Two files (rather than folders) are compared with each other whatever their names.
public struct FolderEvaluation: Sendable {
    /// One matched pair and its metric values, in the order of the `metrics` asked for.
    public struct ImageResult: Sendable, Equatable {
        /// The relative path without extension (`sub/a`), or the prediction's file name for two files.
        public var name: String
        public var prediction: String
        public var groundTruth: String
        public var values: [Double]
    }

    /// An image that could not be compared, and why.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var error: EvaluationError
        public var description: String { "\(name): \(error.message)" }
    }

    public let metrics: [ImageMetrics.Metric]
    public let options: ImageMetrics.Options
    /// Compared pairs, sorted by name.
    public private(set) var results: [ImageResult] = []
    /// Missing partners, size mismatches, unreadable files, sorted by name.
    public private(set) var problems: [Problem] = []

    /// The mean of each metric over `results` (nil without results); +∞ PSNRs give a +∞ mean.
    public var means: [Double]? {
        guard !results.isEmpty else { return nil }
        return metrics.indices.map { m in results.reduce(0) { $0 + $1.values[m] } / Double(results.count) }
    }

    /// Compares `prediction` with `groundTruth`: two folders, or two files.
    /// - Throws: `EvaluationError.missingInput` when either is missing or one is a file and the
    ///   other a folder (a usage error); problems with single images are collected in `problems`.
    public init(
        prediction: String, groundTruth: String, metrics: [ImageMetrics.Metric] = ImageMetrics.Metric.allCases,
        options: ImageMetrics.Options = ImageMetrics.Options()
    ) throws {
        precondition(!metrics.isEmpty, "FolderEvaluation: no metrics")
        self.metrics = metrics
        self.options = options
        let predIsFolder = try Self.kind(of: prediction, role: "prediction")
        let gtIsFolder = try Self.kind(of: groundTruth, role: "ground truth")
        guard predIsFolder == gtIsFolder else {
            throw EvaluationError(
                .missingInput,
                "give two folders or two files: \(prediction) is a "
                    + "\(predIsFolder ? "folder" : "file"), \(groundTruth) a \(gtIsFolder ? "folder" : "file")")
        }
        if !predIsFolder {
            compare(
                name: URL(fileURLWithPath: prediction).deletingPathExtension().lastPathComponent,
                prediction: prediction, groundTruth: groundTruth)
            return
        }
        let (predFiles, predProblems) = try Self.images(in: prediction)
        let (gtFiles, gtProblems) = try Self.images(in: groundTruth)
        problems = predProblems + gtProblems
        // A name that is ambiguous on one side is reported once, as such, not also as unmatched.
        let ambiguous = Set(problems.map(\.name))
        for name in Set(predFiles.keys).union(gtFiles.keys).subtracting(ambiguous).sorted() {
            switch (predFiles[name], gtFiles[name]) {
            case (let pred?, let gt?):
                compare(name: name, prediction: prediction + "/" + pred, groundTruth: groundTruth + "/" + gt)
            case (let pred?, nil):
                problems.append(
                    Problem(
                        name: name,
                        error: EvaluationError(
                            .missingPair, "no ground truth for \(pred) (looked for \(name).png/.jpg in \(groundTruth))",
                            path: prediction + "/" + pred)))
            case (nil, let gt?):
                problems.append(
                    Problem(
                        name: name,
                        error: EvaluationError(
                            .missingPair, "no prediction for \(gt) (looked for \(name).png/.jpg in \(prediction))",
                            path: groundTruth + "/" + gt)))
            case (nil, nil):
                break
            }
        }
        problems.sort { $0.name < $1.name }
    }

    // MARK: - Internals

    private mutating func compare(name: String, prediction: String, groundTruth: String) {
        do {
            let pred = try MetricImage(contentsOf: prediction)
            let gt = try MetricImage(contentsOf: groundTruth)
            var (a, b) = (pred, gt)
            // A gray image against an RGB one: the gray one as RGB, as cv2.imread(IMREAD_COLOR) reads it.
            if a.channels != b.channels && Set([a.channels, b.channels]) == [1, 3] {
                if a.channels == 1 {
                    a = MetricImage(width: a.width, height: a.height, planes: Array(repeating: a.planes[0], count: 3))
                }
                if b.channels == 1 {
                    b = MetricImage(width: b.width, height: b.height, planes: Array(repeating: b.planes[0], count: 3))
                }
            }
            let values = try metrics.map { try ImageMetrics.value($0, a, b, options: options) }
            results.append(ImageResult(name: name, prediction: prediction, groundTruth: groundTruth, values: values))
        } catch var error as EvaluationError {
            if error.path == nil { error.path = prediction }
            problems.append(Problem(name: name, error: error))
        } catch {
            problems.append(Problem(name: name, error: EvaluationError(.unreadable, "\(error)", path: prediction)))
        }
    }

    /// true for a folder, false for a file.
    static func kind(of path: String, role: String) throws -> Bool {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw EvaluationError(.missingInput, "the \(role) \(path) does not exist")
        }
        return isFolder.boolValue
    }

    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Image files under `folder` by relative path without extension; two files with one such
    /// name are a problem (which one is meant?).
    static func images(in folder: String) throws -> (files: [String: String], problems: [Problem]) {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else {
            throw EvaluationError(.missingInput, "cannot list the folder \(folder)")
        }
        var files: [String: String] = [:]
        var duplicates: [String: [String]] = [:]
        while let relative = enumerator.nextObject() as? String {
            let url = URL(fileURLWithPath: relative)
            if relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            guard extensions.contains(url.pathExtension.lowercased()) else { continue }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isFolder),
                !isFolder.boolValue
            else { continue }
            let name = String(relative.dropLast(url.pathExtension.count + 1))
            if let other = files[name] {
                duplicates[name, default: [other]].append(relative)
            } else {
                files[name] = relative
            }
        }
        var problems: [Problem] = []
        for (name, paths) in duplicates {
            files[name] = nil
            problems.append(
                Problem(
                    name: name,
                    error: EvaluationError(
                        .ambiguous,
                        "\(paths.sorted().joined(separator: " and ")) in \(folder) are both \(name); keep one",
                        path: folder)))
        }
        return (files, problems)
    }
}

// MARK: - Reports

extension FolderEvaluation {
    /// A per-image table, the mean and the problems, for people:
    ///
    ///     image        PSNR      SSIM
    ///     sub/a     31.2345  0.912345
    ///     mean (2)  30.1000  0.900000
    public func table() -> String {
        let names = results.map(\.name) + ["mean (\(results.count))", "image"]
        let nameWidth = names.map(\.count).max() ?? 5
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        func format(_ value: Double, _ metric: ImageMetrics.Metric) -> String {
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            return String(format: metric == .psnr ? "%.4f" : "%.6f", value)
        }
        let columnWidth = 10
        var lines = [pad("image", nameWidth) + metrics.map { pad($0.title, columnWidth, right: true) }.joined()]
        for result in results {
            lines.append(
                pad(result.name, nameWidth)
                    + zip(result.values, metrics).map { pad(format($0, $1), columnWidth, right: true) }.joined())
        }
        if let means {
            lines.append(
                pad("mean (\(results.count))", nameWidth)
                    + zip(means, metrics).map { pad(format($0, $1), columnWidth, right: true) }.joined())
        } else {
            lines.append("no image pairs compared")
        }
        var settings = ["crop border \(options.cropBorder)"]
        settings.append(options.yChannel ? "Y channel (BT.601)" : "all channels")
        lines.append("(" + settings.joined(separator: ", ") + "; BasicSR's calculate_psnr/calculate_ssim)")
        return lines.joined(separator: "\n")
    }

    /// The same as JSON (keys sorted; +∞ written as the string "inf").
    public func json() throws -> String {
        struct Entry: Encodable {
            var name: String
            var prediction: String
            var groundTruth: String
            var psnr: Double?
            var ssim: Double?
            enum CodingKeys: String, CodingKey {
                case name, prediction, psnr, ssim
                case groundTruth = "ground_truth"
            }
        }
        struct Issue: Encodable {
            var name: String
            var problem: String
            var message: String
            var path: String?
        }
        struct Report: Encodable {
            var metrics: [String]
            var cropBorder: Int
            var yChannel: Bool
            var count: Int
            var mean: [String: Double]
            var images: [Entry]
            var problems: [Issue]
            enum CodingKeys: String, CodingKey {
                case metrics, count, mean, images, problems
                case cropBorder = "crop_border"
                case yChannel = "y_channel"
            }
        }
        func value(_ metric: ImageMetrics.Metric, _ values: [Double]) -> Double? {
            metrics.firstIndex(of: metric).map { values[$0] }
        }
        var mean: [String: Double] = [:]
        if let means { for (metric, value) in zip(metrics, means) { mean[metric.rawValue] = value } }
        let report = Report(
            metrics: metrics.map(\.rawValue), cropBorder: options.cropBorder, yChannel: options.yChannel,
            count: results.count, mean: mean,
            images: results.map {
                Entry(
                    name: $0.name, prediction: $0.prediction, groundTruth: $0.groundTruth,
                    psnr: value(.psnr, $0.values), ssim: value(.ssim, $0.values))
            },
            problems: problems.map {
                Issue(
                    name: $0.name, problem: $0.error.code.rawValue, message: $0.error.message,
                    path: $0.error.path)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf",
            nan: "nan")
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
