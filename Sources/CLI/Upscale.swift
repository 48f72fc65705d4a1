import ArgumentParser
import Foundation
import ImageCodecs
import Inference
import Networks

extension UpscaleOptions.AlphaUpsampler: ExpressibleByArgument {}

extension Tool {
    /// Super-resolves an image or a folder tree with an SR generator, or resamples it without one.
    struct Upscale: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upscale images (a file or a whole folder tree) with a super-resolution checkpoint, "
                + "or bicubic/Lanczos.",
            discussion: """
                The checkpoint's metadata decides the network, its scale and its value ranges. Each image \
                runs at its own size; the output is exactly --outscale × the input size (the network's \
                scale, then a Lanczos resize for another --outscale, as Real-ESRGAN). Large images run in \
                overlapping tiles (--tile, default from --max-memory; --tile-overlap, default three \
                receptive-field radii): one radius at each side of a shared band is context only and the \
                rest is feathered, so tiled equals untiled. A tiled image is written as it is made, a band \
                of tile rows at a time, so memory is bounded by the tile size and the image width, not its \
                area. Gray stays gray, \
                16-bit PNGs stay 16-bit, alpha is upscaled by the network or bicubic (--alpha-upsampler). \
                Without a checkpoint, --method bicubic|lanczos gives the classic baselines (Pillow-exact). \
                Folder handling, naming, skipping, metadata, atomic writes and exit status are those of \
                `translate apply`: 0 all done, 1 some files failed, 2 usage error. Examples:
                  translate upscale --checkpoint srresnet_x4.safetensors photos/ large/
                  translate upscale --method lanczos --outscale 2 photos/ lanczos2/
                """)

        /// The model-free baselines.
        enum Method: String, ExpressibleByArgument, CaseIterable {
            case bicubic, lanczos

            var filter: ResampleFilter { self == .bicubic ? .bicubic : .lanczos }
        }

        @OptionGroup var shared: SharedOptions
        @OptionGroup var batch: BatchArguments

        @Option(help: "Output size ÷ input size, any number > 0 (default: the network's scale; 4 with --method).")
        var outscale: Double?

        @Option(help: "Without a checkpoint: resample with bicubic or lanczos (Pillow's filters) instead of a network.")
        var method: Method?

        @Option(help: ArgumentHelp("How alpha is upscaled: model (through the network as a gray image, as Real-ESRGAN; "
            + "the default) or bicubic. With --method, alpha takes the method's filter."))
        var alphaUpsampler: UpscaleOptions.AlphaUpsampler?

        func validate() throws {
            if let outscale, !(outscale > 0 && outscale.isFinite) {
                throw ValidationError("--outscale must be a number above 0, got \(outscale)")
            }
            if batch.checkpoint != nil && method != nil {
                throw ValidationError("give either --checkpoint (a super-resolution network) or --method, not both")
            }
            if method != nil && alphaUpsampler != nil {
                throw ValidationError("--alpha-upsampler needs a checkpoint; with --method alpha takes the "
                                      + "method's filter")
            }
            if batch.checkpoint == nil && method == nil {
                throw ValidationError("give --checkpoint (a super-resolution network) or --method bicubic|lanczos")
            }
        }

        func run() throws {
            shared.apply()
            if let method {
                let transform = ImageTransform.resampling(method.filter, outscale: outscale ?? 4)
                try batch.run(label: "upscale", model: nil, transform: transform)
                return
            }
            let (spec, network, preprocessing) = try batch.loadCheckpoint()
            let transform: ImageTransform
            do {
                transform = try ImageTransform.upscaling(
                    spec: spec, preprocessing: preprocessing,
                    options: UpscaleOptions(outscale: outscale, alphaUpsampler: alphaUpsampler ?? .model))
            } catch let error as InferenceError where error.code == .usage {
                throw ValidationError("\(batch.checkpoint ?? ""): \(error.message)")
            }
            try batch.run(label: "upscale", spec: spec, network: network, transform: transform)
        }
    }
}
