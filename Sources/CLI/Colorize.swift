import ArgumentParser
import Foundation
import Inference
import Networks

extension Tool {
    /// Colours gray (or colour) photos with a Lab colorization generator, at full resolution.
    struct Colorize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Colour photos (a file or a whole folder tree) with a colorization checkpoint, keeping full resolution.",
            discussion: """
                The model (L → ab, the reference's colorization model) runs at its training size: each \
                image is resized to N×N (the checkpoint's crop size unless --size) and converted to Lab; \
                the predicted ab is upsampled to the photo's full size and recombined with the photo's own \
                full-resolution L, then converted back to RGB. Folder handling, naming, skipping, metadata \
                and exit status are those of `translate apply`. Example:
                  translate colorize --checkpoint colorization.safetensors old-photos/ coloured/
                """)

        @OptionGroup var shared: SharedOptions
        @OptionGroup var batch: BatchArguments

        @Option(help: "The side the model runs at (default: the checkpoint's crop size, else 256).")
        var size: Int?

        func validate() throws {
            if let size, size < 1 { throw ValidationError("--size must be positive, got \(size)") }
        }

        func run() throws {
            shared.apply()
            let (spec, network, preprocessing) = try batch.loadCheckpoint()
            let transform: ImageTransform
            do {
                transform = try ImageTransform(spec: spec, preprocessing: preprocessing, mode: .colorize,
                                               resize: size.map { .square($0) })
            } catch let error as InferenceError where error.code == .usage {
                throw ValidationError("\(batch.checkpoint ?? ""): \(error.message)")
            }
            try batch.run(label: "colorize", spec: spec, network: network, transform: transform)
        }
    }
}
