import Foundation
import Layers
import Networks
import Tensors

/// Runs a generator on images of any size: each is reflect-padded to the multiple the network
/// needs and cropped back, so the output has the input's size (times the network's scale); images
/// larger than `tileSize` go through overlapping tiles blended by `Tiling.run`. Same-size images
/// may run as one batch. Thread-safe: inference reads the weights only.
public final class GeneratorRunner: @unchecked Sendable {
    public let spec: NetworkSpec
    public let network: any Layer
    /// Height and width are padded to multiples of this.
    public let multiple: Int
    /// Output pixels per input pixel along each side.
    public let scale: Int
    /// The largest tile side in input pixels; 0 runs every image whole.
    public let tileSize: Int
    /// Input pixels shared by neighbouring tiles.
    public let overlap: Int
    /// Input pixels at each shared tile side used as context only (`Tiling.run`'s margin). For
    /// super-resolution generators the receptive field's radius (which makes every tile exact),
    /// at most a third of the overlap so a feather remains (a quarter when the radius is unknown);
    /// 0 for translation generators (instance norm makes every tile differ anyway; they feather
    /// over the whole overlap).
    public let margin: Int
    /// Inputs are padded to at least this side: a ResNet with instance norm needs 2×2 pixels at its
    /// lowest level (¼ resolution), so tiny images go in as 8×8.
    public let minimumSize: Int
    /// The network's forward pass for inference (`InferenceForward`).
    let forward: (Tensor) -> Tensor

    /// - Parameters:
    ///   - tileSize: 0 for never; otherwise rounded down to `spec.inputSizeMultiple` (at least one multiple).
    ///   - overlap: nil picks `MemoryBudget.defaultOverlap`.
    ///   - fastConvolutions: same-size 3×3 convolutions by Winograd (`InferenceForward`); false runs
    ///     the layers as they are.
    public init(spec: NetworkSpec, network: any Layer, tileSize: Int, overlap: Int? = nil, fastConvolutions: Bool = true) {
        self.spec = spec
        self.network = network
        multiple = spec.inputSizeMultiple
        scale = spec.scale  // 1 for every network but the super-resolution generators
        self.tileSize = tileSize > 0 ? Swift.max(multiple, tileSize / multiple * multiple) : 0
        self.overlap = overlap ?? MemoryBudget.defaultOverlap(spec: spec, tileSize: self.tileSize)
        if spec.upscaleFactor == nil {
            margin = 0
        } else if let radius = spec.receptiveFieldRadius {
            margin = Swift.min(radius, self.overlap / 3)
        } else {
            margin = self.overlap / 4
        }
        switch spec.kind {
        case .generator(.resnet6), .generator(.resnet9): minimumSize = 2 * multiple
        default: minimumSize = multiple
        }
        network.setRequiresGradient(false)
        forward = InferenceForward.make(network, fastConvolutions: fastConvolutions)
    }

    /// True when `height`×`width` is run in tiles.
    public func needsTiles(height: Int, width: Int) -> Bool { tileSize > 0 && (height > tileSize || width > tileSize) }

    /// The tiling `run` gives a `height`×`width` image, to run it a band of output rows at a time
    /// (`BandTiler.next(input:_:)` with `forward`): the same values as `run`.
    public func bandTiler(height: Int, width: Int) -> BandTiler {
        BandTiler(height: height, width: width, multiple: multiple, scale: scale, tileSize: tileSize, overlap: overlap,
                  minimumSize: minimumSize, margin: margin)
    }

    /// The output of each `[1, C, h, w]` image, `[1, C', h·scale, w·scale]`. Images of one size
    /// that fit in one tile run as a single batch; the results are the same as one by one.
    public func run(_ images: [Tensor]) -> [Tensor] {
        guard let first = images.first else { return [] }
        let (_, _, h, w) = first.shape.nchw
        if images.count == 1 || needsTiles(height: h, width: w) || images.contains(where: { $0.shape != first.shape }) {
            return images.map { image in
                Tiling.run(image, multiple: multiple, scale: scale, tileSize: tileSize, overlap: overlap,
                           minimumSize: minimumSize, margin: margin, forward)
            }
        }
        let batch = Tensor.concatenate(images, alongAxis: 0)
        let output = forward(Tiling.padToMultiple(batch, multiple: multiple, minimumSize: minimumSize))
        return Tiling.crop(output, top: 0, left: 0, height: h * scale, width: w * scale).unstackedBatch()
    }
}

/// Estimates of the memory one forward pass takes, and the tile size they imply.
///
/// The estimate is the peak of live activations per input pixel, in bytes. Ops allocate a new
/// tensor per step and free the previous one when nothing holds it, so the peak is a few tensors of
/// the widest full-resolution layer alive at once (conv output, norm output, ReLU output, the
/// reflect-padded copy), plus the im2col tile (bounded, a few MiB, ignored):
/// - ResNet generator: at full resolution `ngf` channels, ≈ 3 live tensors → `12·ngf` B/pixel
///   (768 B per pixel at ngf 64). Lower levels have 2·ngf channels on ¼ the pixels and 4·ngf on
///   1/16, which is less. Measured: resnet_9blocks on a 1152×864 image peaks at ≈ 620 B/pixel
///   above the process's baseline (one job, block cache off).
/// - U-Net: the skip connections stay alive: Σ ngf·2ⁱ·4^-(i+1) ≈ ngf/2 floats per pixel for the
///   encoder, plus ≈ 2 live decoder tensors of 2·ngf channels at ½ resolution → `12·ngf` B/pixel.
/// - SRResNet ×s: the last upsampling stage holds `4·ngf` channels at (s/2)² and `ngf` at s² the
///   input pixels, about 3 tensors → `12·ngf·s²` B/pixel.
/// The batch engine also keeps freed activations for reuse (`BlockCache`, a quarter of the budget),
/// which adds up to one pass's activations to the peak RSS (bench section 30 reports it).
public enum MemoryBudget {
    /// Peak activation bytes per input pixel of one forward pass of `spec` (see the type's comment).
    public static func activationBytesPerPixel(_ spec: NetworkSpec) -> Int {
        let ngf = spec.baseFilters
        switch spec.kind {
        case .generator(.resnet6), .generator(.resnet9): return 12 * ngf
        case .generator(.unet128), .generator(.unet256): return 12 * ngf
        case .generator(let generator) where generator.isSuperResolution: return 12 * ngf * spec.scale * spec.scale
        default: return 12 * ngf
        }
    }

    /// Bytes per pixel held outside the network while an image is in flight: decoded pixels,
    /// input and output tensors and the tile blending buffers.
    public static let imageBytesPerPixel = 48

    /// A quarter of the machine's memory: the default `--max-memory`.
    public static var defaultBudget: Int { Int(ProcessInfo.processInfo.physicalMemory / 4) }

    /// The largest square tile side (a multiple of the network's multiple, at least one multiple)
    /// whose forward pass fits `budget` bytes shared by `workers` concurrent images.
    public static func tileSize(budget: Int, spec: NetworkSpec, workers: Int) -> Int {
        let perWorker = budget / Swift.max(1, workers)
        let pixels = perWorker / (activationBytesPerPixel(spec) + imageBytesPerPixel)
        let side = Int(Double(Swift.max(0, pixels)).squareRoot())
        let multiple = spec.inputSizeMultiple
        return Swift.max(multiple, side / multiple * multiple)
    }

    /// Overlap for tiles of `tileSize`: InstanceNorm normalizes each tile with its own statistics,
    /// so tiles differ more than the receptive field suggests and need wide blending (a quarter of
    /// the tile); super-resolution generators three receptive-field radii, at least 64 (one radius
    /// of context at each side, one feathered: see `GeneratorRunner.margin`; an eighth of the tile
    /// when the radius is unknown); other generators their receptive field's worth, bounded at 1/16
    /// of the tile.
    public static func defaultOverlap(spec: NetworkSpec, tileSize: Int) -> Int {
        guard tileSize > 0 else { return 0 }
        if spec.upscaleFactor != nil {
            return Swift.max(64, spec.receptiveFieldRadius.map { 3 * $0 } ?? tileSize / 8)
        }
        if spec.norm == .instance { return tileSize / 4 }
        return Swift.max(32, tileSize / 16)
    }
}
