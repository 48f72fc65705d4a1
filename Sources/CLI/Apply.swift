import ArgumentParser
import Foundation
import Inference
import Networks

extension Tool {
    /// Translates an image or a folder tree with a trained generator.
    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Translate images (a file or a whole folder tree) with a trained generator.",
            discussion: """
                The checkpoint's metadata decides the architecture and the preprocessing. Every image is \
                processed at its own size (reflect-padded to the generator's multiple and cropped back; \
                images too large for the memory budget run in overlapping, blended tiles), so outputs have \
                their input's size. The folder tree is mirrored; outputs keep their input's name (plus \
                --suffix) and format. Gray inputs to an RGB generator are converted (--keep-mode writes \
                them back gray), alpha is passed through, 16-bit PNGs are processed in float and written \
                16-bit, the EXIF orientation is applied, and EXIF and ICC are copied unless \
                --strip-metadata. Outputs newer than their input are skipped, so an interrupted run \
                resumes by running it again; writes are atomic. Unreadable files are reported and \
                skipped. Exit status: 0 all done, 1 some files failed, 2 usage error. Example:
                  translate apply --checkpoint horse2zebra.safetensors photos/ zebras/
                """)

        @OptionGroup var shared: SharedOptions
        @OptionGroup var batch: BatchArguments

        @Flag(help: "Write gray inputs back as gray (and colour as colour) whatever the generator's channels.")
        var keepMode = false

        @Option(help: """
            Run at the model's resolution instead of the image's: resize to N×N first (N or 'native' for the \
            checkpoint's crop size; width N for scale_width checkpoints); outputs then have that size.
            """)
        var loadSize: String?

        func validate() throws {
            if let loadSize, loadSize != "native", (Int(loadSize) ?? 0) < 1 {
                throw ValidationError("--load-size must be a positive size or 'native', got '\(loadSize)'")
            }
        }

        func run() throws {
            shared.apply()
            let (spec, network, preprocessing) = try batch.loadCheckpoint()
            var resize: ImageTransform.Resize?
            if let loadSize {
                guard let size = loadSize == "native" ? preprocessing.cropSize ?? preprocessing.loadSize : Int(loadSize) else {
                    throw ValidationError("--load-size native: the checkpoint records no crop size; give a number")
                }
                resize = (preprocessing.preprocess ?? "").hasPrefix("scale_width") ? .width(size) : .square(size)
            }
            let transform: ImageTransform
            do {
                transform = try ImageTransform(spec: spec, preprocessing: preprocessing, mode: .translate,
                                               keepMode: keepMode, resize: resize)
            } catch let error as InferenceError where error.code == .usage {
                throw ValidationError("\(batch.checkpoint ?? ""): \(error.message)")
            }
            try batch.run(label: "apply", spec: spec, network: network, transform: transform)
        }
    }
}
