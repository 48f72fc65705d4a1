import ArgumentParser
import Evaluation
import Foundation

extension Tool {
    /// `translate eval --pred DIR --gt DIR`: image metrics per pair and their mean (Evaluation module).
    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure predictions against ground truth (image quality metrics).",
            discussion: ImageMetrics.conventions)

        @Option(help: "The predictions: a folder, or one image file.")
        var pred: String

        @Option(help: "The ground truth: a folder, or one image file.")
        var gt: String

        @Option(help: ArgumentHelp("Comma-separated metrics (\(ImageMetrics.Metric.allCases.map(\.rawValue).joined(separator: ", "))).", valueName: "list"))
        var metric: String = ImageMetrics.Metric.allCases.map(\.rawValue).joined(separator: ",")

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
            do { return try ImageMetrics.Metric.list(metric) } catch let error as EvaluationError {
                throw ValidationError(error.message)
            }
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
