import Evaluation
import Foundation
import ImageCodecs
import TestSupport
import Testing

@Suite struct FolderEvaluationTests {
    @Test func foldersMatchByRelativePathWhateverTheExtension() throws {
        let pairs = try MetricFixtures.load()
        let options = ImageMetrics.Options(cropBorder: 4, yChannel: true)
        let evaluation = try FolderEvaluation(
            prediction: MetricFixtures.root + "/pred",
            groundTruth: MetricFixtures.root + "/gt", options: options)
        #expect(evaluation.problems.isEmpty, "\(evaluation.problems)")
        // photo.jpg (prediction) pairs with photo.png; sub/odd is found in the subfolder.
        #expect(evaluation.results.map(\.name) == ["deep16", "gray", "photo", "rgb", "sub/odd"])
        var sums = [0.0, 0.0]
        for result in evaluation.results {
            let expected = try #require(pairs[result.name]?.settings["y_crop4"])
            #expect(
                abs(result.values[0] - expected.psnr) < 1e-6 && abs(result.values[1] - expected.ssim) < 1e-6,
                "\(result.name)")
            sums[0] += expected.psnr
            sums[1] += expected.ssim
        }
        let means = try #require(evaluation.means)
        #expect(abs(means[0] - sums[0] / 5) < 1e-6 && abs(means[1] - sums[1] / 5) < 1e-6)
        let table = evaluation.table()
        #expect(table.contains("sub/odd") && table.contains("mean (5)"), "\(table)")
        let json = try JSONSerialization.jsonObject(with: Data(evaluation.json().utf8)) as? [String: Any]
        #expect(json?["count"] as? Int == 5 && json?["crop_border"] as? Int == 4 && json?["y_channel"] as? Bool == true)
    }

    @Test func missingAndMismatchedPairsAreNamed() throws {
        let root = NSTemporaryDirectory() + "eval-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func write(_ relative: String, width: Int, height: Int) throws {
            let path = root + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            let pixels = PixelBuffer(
                width: width, height: height, channels: 3,
                bytes: (0..<(width * height * 3)).map { UInt8($0 * 7 % 256) })
            try ImageEncoder.write(pixels, to: path)
        }
        try write("pred/same.png", width: 16, height: 16)
        try write("gt/same.png", width: 16, height: 16)
        try write("pred/small.png", width: 16, height: 15)
        try write("gt/small.png", width: 16, height: 16)
        try write("pred/only-pred.png", width: 16, height: 16)
        try write("gt/deep/only-gt.jpg", width: 16, height: 16)
        try write("gt/twice.png", width: 16, height: 16)
        try write("gt/twice.jpg", width: 16, height: 16)
        try write("pred/twice.png", width: 16, height: 16)
        _ = FileManager.default.createFile(atPath: root + "/pred/notes.txt", contents: Data("ignored".utf8))

        let evaluation = try FolderEvaluation(prediction: root + "/pred", groundTruth: root + "/gt")
        #expect(evaluation.results.map(\.name) == ["same"])
        #expect(evaluation.results.first?.values.first == .infinity)
        let problems = Dictionary(
            evaluation.problems.map { ($0.name, $0.error) }, uniquingKeysWith: { first, _ in first })
        #expect(problems.count == 4 && evaluation.problems.count == 4, "\(evaluation.problems)")
        #expect(problems["small"]?.code == .sizeMismatch)
        #expect(problems["small"]?.message == "prediction is 16×15, ground truth 16×16")
        #expect(problems["only-pred"]?.code == .missingPair)
        #expect(problems["deep/only-gt"]?.code == .missingPair)
        #expect(problems["deep/only-gt"]?.message.hasPrefix("no prediction for deep/only-gt.jpg") == true)
        #expect(problems["twice"]?.code == .ambiguous)
        #expect(problems["twice"]?.message.hasPrefix("twice.jpg and twice.png in ") == true)
    }

    @Test func twoFilesAreComparedAndAFileWithAFolderIsRefused() throws {
        let evaluation = try FolderEvaluation(
            prediction: MetricFixtures.root + "/pred/rgb.png",
            groundTruth: MetricFixtures.root + "/gt/rgb.png", metrics: [.psnr])
        let expected = try #require(try MetricFixtures.load()["rgb"]?.settings["rgb_crop0"])
        #expect(evaluation.results.count == 1 && abs(evaluation.results[0].values[0] - expected.psnr) < 1e-6)
        #expect(throws: EvaluationError.self) {
            try FolderEvaluation(
                prediction: MetricFixtures.root + "/pred/rgb.png", groundTruth: MetricFixtures.root + "/gt")
        }
        do {
            _ = try FolderEvaluation(
                prediction: MetricFixtures.root + "/nowhere", groundTruth: MetricFixtures.root + "/gt")
            Issue.record("a missing folder was accepted")
        } catch let error as EvaluationError {
            #expect(error.code == .missingInput && error.message.contains("nowhere does not exist"))
        }
    }
}
