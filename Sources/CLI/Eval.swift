import ArgumentParser
import Evaluation
import Foundation

extension Tool {
    /// `translate eval --pred DIR --gt DIR`: PSNR and SSIM per image pair and their mean.
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure predictions against ground truth (PSNR, SSIM).",
            discussion: """
                Compares two folders matched by relative path without extension (pred/sub/a.png with \
                gt/sub/a.jpg; .png, .jpg and .jpeg count, hidden files are ignored), or two files. \
                Prints a per-image table and the mean (--json: the same as JSON).

                PSNR and SSIM are BasicSR's calculate_psnr and calculate_ssim: float64 on the 0–255 \
                scale, --crop-border pixels left out on each side, --y-channel for the BT.601 luma \
                Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]); SSIM uses an 11×11 Gaussian \
                window (σ 1.5) over the valid region and averages channels. 16-bit images are put on the \
                0–255 scale (v / 257); alpha is left out; a gray image compared with an RGB one is read as \
                RGB (as cv2.imread does). Super-resolution papers report --y-channel --crop-border SCALE.

                Exit status: 0 when every pair was compared; 1 when a pair is missing, differs in size \
                or cannot be read (each is named on stderr; the mean covers the pairs that were \
                compared); 2 for a usage error.
                """)

        @Option(help: "The predictions: a folder, or one image file.")
        var pred: String

        @Option(help: "The ground truth: a folder, or one image file.")
        var gt: String

        @Option(help: "Comma-separated metrics: psnr, ssim.")
        var metric: String = "psnr,ssim"

        @Option(help: "Pixels left out on each side before measuring (BasicSR's crop_border; usually the SR scale).")
        var cropBorder: Int = 0

        @Flag(help: "Measure the Y channel of YCbCr (BasicSR's test_y_channel) instead of all channels.")
        var yChannel = false

        @Flag(help: "Print JSON instead of the table.")
        var json = false

        mutating func validate() throws {
            _ = try metrics()
            if cropBorder < 0 { throw ValidationError("--crop-border must not be negative, got \(cropBorder)") }
        }

        /// The parsed `--metric` list, in the order given, without repeats.
        func metrics() throws -> [ImageMetrics.Metric] {
            var result: [ImageMetrics.Metric] = []
            for name in metric.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                guard let metric = ImageMetrics.Metric(rawValue: name) else {
                    let known = ImageMetrics.Metric.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ValidationError("--metric: unknown metric '\(name)'; choose from \(known)")
                }
                if !result.contains(metric) { result.append(metric) }
            }
            if result.isEmpty { throw ValidationError("--metric: give at least one of psnr, ssim") }
            return result
        }

        func run() throws {
            let evaluation: FolderEvaluation
            do {
                evaluation = try FolderEvaluation(
                    prediction: pred, groundTruth: gt, metrics: try metrics(),
                    options: ImageMetrics.Options(cropBorder: cropBorder, yChannel: yChannel))
            } catch let error as EvaluationError {
                throw ValidationError(error.message)
            }
            print(json ? try evaluation.json() : evaluation.table())
            for problem in evaluation.problems {
                FileHandle.standardError.write(
                    Data("\(problem.error.path ?? problem.name): \(problem.error.message)\n".utf8))
            }
            if !evaluation.problems.isEmpty {
                FileHandle.standardError.write(
                    Data("\(evaluation.problems.count) of the images could not be compared\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
