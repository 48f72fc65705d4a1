import Foundation
import Inference
import Layers
import Networks
import Training

/// One recipe inference step: a trained generator over a folder (or file), through the same engine
/// as `translate apply` (or `translate colorize`) with their default settings (`BatchRun`).
public struct InferenceStepResult {
    /// Report rows: the equivalent command, the outcome, the number of outputs.
    public var rows: [(String, String)]
    /// Inputs beside their outputs for the report (at most 8 pairs).
    public var gallery: [(caption: String, file: URL)]
    /// The engine's summary.
    public var summary: BatchSummary
}

extension InferenceStepResult {
    /// Translates `input` into `output` with the generator checkpoint at `checkpoint`.
    /// - Parameter colorize: run as `translate colorize` (Lab, full-resolution L) instead of `apply`.
    /// - Throws: `OptionError` for unusable paths; checkpoint errors as they are. Failed images do not
    ///   throw: they are counted in the summary and named in the log.
    public static func run(checkpoint: URL, input: String, output: String, colorize: Bool,
                           log: @escaping (String) -> Void) throws -> InferenceStepResult {
        let (spec, network, loaded) = try Checkpoint.loadNetwork(contentsOf: checkpoint)
        let preprocessing = try loaded.preprocessingSettings() ?? Preprocessing.defaults(for: spec)
        let transform: ImageTransform
        do {
            transform = try ImageTransform(spec: spec, preprocessing: preprocessing, mode: colorize ? .colorize : .translate)
        } catch let error as InferenceError {
            throw OptionError(error.description)
        }
        let command = colorize ? "colorize" : "apply"
        log("\(command) \(input) → \(output)")
        let summary: BatchSummary
        do {
            summary = try BatchRun.run(input: input, output: output, spec: spec, network: network, transform: transform,
                                       label: command, log: log)
        } catch let error as InferenceError {
            throw OptionError(error.description)
        }
        log("\(summary)")

        var gallery: [(caption: String, file: URL)] = []
        let outputs = (FileManager.default.enumerator(atPath: output)?.allObjects as? [String] ?? [])
            .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        for relative in outputs.prefix(8) {
            let inputFile = URL(fileURLWithPath: input).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: inputFile.path) { gallery.append(("input \(relative)", inputFile)) }
            gallery.append(("output \(relative)", URL(fileURLWithPath: output).appendingPathComponent(relative)))
        }
        let status = summary.failed == 0 ? "all images written" : "\(summary.failed) image(s) failed (see the log)"
        let rows = [("command", "translate \(command) --checkpoint \(checkpoint.path) \(input) \(output)"), ("result", status),
                    ("images in the output folder", String(outputs.count))]
        return InferenceStepResult(rows: rows, gallery: gallery, summary: summary)
    }
}
