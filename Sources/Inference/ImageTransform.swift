import ImageCodecs
import ImageDatasets
import Networks
import Tensors

/// One decoded image on its way through the network: the network input plus what is needed to
/// turn the network output back into an image like the input (alpha, channel count, bit depth).
public struct PreparedImage: @unchecked Sendable {
    /// `[1, C, h, w]`, unpadded; the network runner pads it to the multiple it needs. A 1×1 zero
    /// for model-free resampling (`ImageTransform.resampling`), where no network runs.
    public var input: Tensor
    /// The alpha channel (1 channel, input size), passed through untouched.
    public var alpha: PixelBuffer?
    /// Upscaling with `--alpha-upsampler model`: the alpha channel as a gray image for the network,
    /// `[1, C, h, w]` like `input` (the engine runs it and hands the result to `finish`).
    public var alphaInput: Tensor?
    /// Model-free resampling: the colour pixels, resized in `finish`.
    public var source: PixelBuffer?
    /// Colour channels of the source: 1 gray, 3 RGB.
    public var sourceChannels: Int
    /// 8- or 16-bit: the output is written with the same depth.
    public var sampleType: PixelBuffer.SampleType
    /// Size of the image the output must have before any model scaling.
    public var width: Int
    public var height: Int
    /// Colorization: the full-resolution Lab values (HWC) whose L is kept.
    public var lab: [Float]?
    /// A streamed upscale (`prepareStreamed`): the colour pixels in the network's input channels,
    /// made into floats a tile at a time; `input` is then a placeholder.
    public var pixels: PixelBuffer? = nil
}

/// What `apply` (translate) or `colorize` does to one image, split into the part done by decode
/// workers (`prepare`) and the part done by encode workers (`finish`); the network runs between.
public struct ImageTransform: Sendable {
    public enum Mode: Sendable, Equatable {
        /// The generator maps the image to an image (pix2pix, CycleGAN, SR).
        case translate
        /// The generator maps L to ab (Lab colorization, reference c4).
        case colorize
    }

    /// How an image is resized before the network (`--load-size`; colorization's model size).
    public enum Resize: Sendable, Equatable {
        /// To `n`×`n`, as the reference's test.py (`resize_and_crop` with load size = crop size).
        case square(Int)
        /// Width `n`, height keeping the aspect ratio (the reference's `scale_width`).
        case width(Int)

        /// The target size of a `width`×`height` image.
        public func size(width: Int, height: Int) -> (width: Int, height: Int) {
            switch self {
            case .square(let n): return (n, n)
            case .width(let n):
                // __scale_width: h = int(target_width * oh / ow), at least 1.
                return (n, Swift.max(1, n * height / Swift.max(1, width)))
            }
        }
    }

    public let mode: Mode
    public let inputChannels: Int
    public let outputChannels: Int
    public let preprocessing: Preprocessing
    /// Write gray inputs back as gray (and colour as colour) whatever the model's channels.
    public let keepMode: Bool
    /// Resize before the network; colorization always has one (default: the checkpoint's crop size).
    public let resize: Resize?
    /// `translate upscale`: the output size and how alpha is enlarged; nil for `apply` and `colorize`.
    public let upscale: UpscaleOptions?
    /// Output pixels per input pixel of the network (1 for translation generators).
    public let modelScale: Int
    /// Model-free upscaling (`--method bicubic|lanczos`): the filter; no network runs.
    public let resampling: ResampleFilter?

    /// Checks that `spec` is a generator this mode can drive.
    /// - Throws: `InferenceError.usage` for a discriminator, a colorization checkpoint given to
    ///   `apply` (and the reverse), or channel counts that are not images.
    public init(spec: NetworkSpec, preprocessing: Preprocessing, mode: Mode, keepMode: Bool = false,
                resize: Resize? = nil) throws {
        guard case .generator = spec.kind else {
            throw InferenceError.usage("the checkpoint holds a \(spec.kind.role) (\(spec.kind.name)), not a generator; "
                                       + "give the generator's checkpoint (G, G_A or G_B)")
        }
        let isColorization = preprocessing.color == "lab"
        switch mode {
        case .translate:
            if isColorization {
                throw InferenceError.usage("this is a colorization checkpoint (L → ab in Lab); use `translate colorize`")
            }
            guard [1, 3].contains(spec.inputChannels), [1, 3].contains(spec.outputChannels) else {
                throw InferenceError(.unsupported, "the generator maps \(spec.inputChannels) to \(spec.outputChannels) "
                                     + "channels; apply handles 1 (gray) or 3 (RGB) on each side")
            }
        case .colorize:
            guard isColorization, spec.inputChannels == 1, spec.outputChannels == 2 else {
                throw InferenceError.usage("this is not a colorization checkpoint (it maps \(spec.inputChannels) to "
                                           + "\(spec.outputChannels) channels, colour \(preprocessing.color)); "
                                           + "use `translate apply`")
            }
        }
        for range in [preprocessing.inputRange, preprocessing.outputRange] where range == .imagenet {
            throw InferenceError(.unsupported, "the checkpoint expects ImageNet-normalized values; it is not an "
                                 + "image-to-image generator")
        }
        self.mode = mode
        inputChannels = spec.inputChannels
        outputChannels = spec.outputChannels
        self.preprocessing = preprocessing
        self.keepMode = keepMode
        // Colorization runs at the model's training size unless told otherwise.
        self.resize = resize ?? (mode == .colorize ? .square(preprocessing.cropSize ?? preprocessing.loadSize ?? 256) : nil)
        upscale = nil
        modelScale = spec.upscaleFactor ?? 1
        resampling = nil
    }

    private init(preprocessing: Preprocessing, inputChannels: Int, outputChannels: Int, upscale: UpscaleOptions,
                 modelScale: Int, resampling: ResampleFilter?) {
        mode = .translate
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.preprocessing = preprocessing
        keepMode = true  // gray stays gray, colour stays colour
        resize = nil
        self.upscale = upscale
        self.modelScale = modelScale
        self.resampling = resampling
    }

    /// `translate upscale` with a super-resolution generator: the network's output, then a Lanczos
    /// resize when `options.outscale` asks for another size (as Real-ESRGAN's `--outscale`); gray
    /// inputs come out gray, 16-bit ones 16-bit, alpha as `options.alphaUpsampler` says.
    /// - Throws: `InferenceError.usage` when `spec` is not a super-resolution generator (pix2pix and
    ///   CycleGAN generators keep the size: `translate apply` runs them), or for the checks of
    ///   `init(spec:preprocessing:mode:)`.
    public static func upscaling(spec: NetworkSpec, preprocessing: Preprocessing, options: UpscaleOptions) throws
        -> ImageTransform {
        let plain = try ImageTransform(spec: spec, preprocessing: preprocessing, mode: .translate)
        guard let scale = spec.upscaleFactor else {
            throw InferenceError.usage("the checkpoint holds \(spec.kind.name), which is not a super-resolution "
                                       + "generator (it keeps the image size); use `translate apply`")
        }
        return ImageTransform(preprocessing: preprocessing, inputChannels: plain.inputChannels,
                              outputChannels: plain.outputChannels, upscale: options, modelScale: scale,
                              resampling: nil)
    }

    /// Model-free upscaling by `outscale` with `filter` (Pillow-exact `Image.resize`, the classic
    /// bicubic and Lanczos baselines); alpha is resized with the same filter.
    public static func resampling(_ filter: ResampleFilter, outscale: Double) -> ImageTransform {
        precondition(outscale > 0 && outscale.isFinite,
                     "ImageTransform.resampling: outscale must be positive, got \(outscale)")
        return ImageTransform(preprocessing: Preprocessing(), inputChannels: 3, outputChannels: 3,
                              upscale: UpscaleOptions(outscale: outscale, alphaUpsampler: .bicubic), modelScale: 1,
                              resampling: filter)
    }

    /// The size `finish` gives an image of `width`×`height`: the network's scale, or
    /// round(outscale × size) when upscaling with an outscale.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        if let outscale = upscale?.outscale {
            return (UpscaleOptions.scaled(width, by: outscale), UpscaleOptions.scaled(height, by: outscale))
        }
        return (width * modelScale, height * modelScale)
    }

    // MARK: - Stages

    /// Decode-side work: alpha split off, optional resize, channel conversion, pixels to floats.
    public func prepare(_ pixels: PixelBuffer) -> PreparedImage {
        var alpha = pixels.alphaChannel()
        var color = pixels.droppingAlpha()
        let sourceChannels = color.channels
        switch mode {
        case .translate:
            if resampling != nil {
                return PreparedImage(input: Tensor(zeros: [1, 1, 1, 1]), alpha: alpha, alphaInput: nil, source: color,
                                     sourceChannels: sourceChannels, sampleType: color.sampleType, width: color.width,
                                     height: color.height, lab: nil)
            }
            if let resize {
                let size = resize.size(width: color.width, height: color.height)
                if size.width != color.width || size.height != color.height {
                    color = color.resized(width: size.width, height: size.height, filter: .bicubic)
                    alpha = alpha?.resized(width: size.width, height: size.height, filter: .bicubic)
                }
            }
            if color.channels != inputChannels { color = color.converted(toChannels: inputChannels) }
            let range = Self.pixelRange(preprocessing.inputRange)
            // Real-ESRGAN's `alpha_upsampler='realesrgan'`: alpha goes through the network as a gray image.
            let alphaInput = upscale?.alphaUpsampler == .model
                ? alpha.map { PixelTensor.tensor(from: $0.converted(toChannels: inputChannels), channels: inputChannels,
                                                 range: range) }
                : nil
            return PreparedImage(input: PixelTensor.tensor(from: color, channels: inputChannels, range: range),
                                 alpha: alpha, alphaInput: alphaInput, source: nil, sourceChannels: sourceChannels,
                                 sampleType: color.sampleType, width: color.width, height: color.height, lab: nil)
        case .colorize:
            // The model sees the image as in training: resized in RGB (Pillow bicubic), then Lab
            // (the reference's colorization dataset); the output keeps the full-resolution L.
            let rgb = color.converted(toChannels: 3)
            let lab = ColorConversion.rgbToLab(rgb)
            let size = (resize ?? .square(256)).size(width: rgb.width, height: rgb.height)
            let small = size.width == rgb.width && size.height == rgb.height
                ? lab : ColorConversion.rgbToLab(rgb.resized(width: size.width, height: size.height, filter: .bicubic))
            return PreparedImage(input: PixelTensor.lightness(fromLab: small, width: size.width, height: size.height)
                                    .reshaped(to: [1, 1, size.height, size.width]),
                                 alpha: alpha, alphaInput: nil, source: nil, sourceChannels: sourceChannels,
                                 sampleType: rgb.sampleType,
                                 width: rgb.width, height: rgb.height, lab: lab)
        }
    }

    /// Encode-side work: the network output (`[1, C, h, w]`) back to pixels like the input's.
    /// - Parameter alphaOutput: the network's output for `prepared.alphaInput` (upscaling with
    ///   `--alpha-upsampler model`); without it alpha is resized bicubic.
    public func finish(_ prepared: PreparedImage, output: Tensor, alphaOutput: Tensor? = nil) -> PixelBuffer {
        if let resampling, let source = prepared.source {
            return resampled(source, alpha: prepared.alpha, filter: resampling)
        }
        var result: PixelBuffer
        switch mode {
        case .translate:
            let range = Self.pixelRange(preprocessing.outputRange)
            result = PixelTensor.pixels(from: output, range: range, sampleType: prepared.sampleType)
            if keepMode && result.channels != prepared.sourceChannels {
                result = result.converted(toChannels: prepared.sourceChannels)
            }
            if upscale != nil {
                // Real-ESRGAN's --outscale: the network's size, then Lanczos to the size asked for.
                let target = outputSize(width: prepared.width, height: prepared.height)
                if target.width != result.width || target.height != result.height {
                    result = result.resized(width: target.width, height: target.height, filter: .lanczos)
                }
                if let alphaOutput, prepared.alpha != nil {
                    // As Real-ESRGAN: the network's output for the alpha image, to gray (ITU-R 601 luma,
                    // cv2's BGR2GRAY), resized like the colour.
                    var alpha = PixelTensor.pixels(from: alphaOutput, range: range, sampleType: prepared.sampleType)
                        .converted(toChannels: 1)
                    if alpha.width != result.width || alpha.height != result.height {
                        alpha = alpha.resized(width: result.width, height: result.height, filter: .lanczos)
                    }
                    return result.attachingAlpha(alpha)
                }
            }
        case .colorize:
            let (w, h) = (prepared.width, prepared.height)
            var ab = output
            if output.shape[2] != h || output.shape[3] != w {
                // Colour is smooth: bilinear upsampling of ab under the sharp full-resolution L.
                ab = output.resized(height: h, width: w, method: .bilinear)
            }
            let fullLab = prepared.lab ?? []
            let lightness = (0..<(w * h)).map { fullLab[3 * $0] }
            let lab = PixelTensor.lab(lightness: lightness, color: ab)
            result = ColorConversion.labToPixels(lab, width: w, height: h, sampleType: prepared.sampleType)
        }
        if var alpha = prepared.alpha {
            if alpha.width != result.width || alpha.height != result.height {
                alpha = alpha.resized(width: result.width, height: result.height, filter: .bicubic)
            }
            result = result.attachingAlpha(alpha)
        }
        return result
    }

    /// Model-free upscaling: colour and alpha each resized with `filter` to `outputSize`.
    private func resampled(_ source: PixelBuffer, alpha: PixelBuffer?, filter: ResampleFilter) -> PixelBuffer {
        let target = outputSize(width: source.width, height: source.height)
        let result = source.resized(width: target.width, height: target.height, filter: filter)
        guard let alpha else { return result }
        return result.attachingAlpha(alpha.resized(width: target.width, height: target.height, filter: filter))
    }

    /// The pixel mapping of a checkpoint's value range.
    /// - Precondition: not `.imagenet` (ImageNet-normalized tensors are not images).
    static func pixelRange(_ range: Preprocessing.ValueRange) -> PixelTensor.ValueRange {
        switch range {
        case .minusOneToOne: return .minusOneToOne
        case .zeroToOne: return .zeroToOne
        case .imagenet: preconditionFailure("ImageTransform: ImageNet-normalized tensors are not images")
        }
    }
}

/// What `translate upscale` adds to running a super-resolution generator.
public struct UpscaleOptions: Sendable, Equatable {
    /// How the alpha channel of an image with transparency is enlarged (Real-ESRGAN's `--alpha_upsampler`).
    public enum AlphaUpsampler: String, Sendable, CaseIterable {
        /// Through the network as a gray image (replicated to its input channels), the output taken
        /// back to gray: Real-ESRGAN's `realesrgan`.
        case model
        /// Pillow bicubic to the output size.
        case bicubic
    }

    /// Output side = round(outscale × input side); nil keeps the network's own scale.
    public var outscale: Double?
    public var alphaUpsampler: AlphaUpsampler

    public init(outscale: Double? = nil, alphaUpsampler: AlphaUpsampler = .model) {
        self.outscale = outscale
        self.alphaUpsampler = alphaUpsampler
    }

    /// round(outscale × side), halves away from zero, at least 1.
    public static func scaled(_ side: Int, by outscale: Double) -> Int {
        Swift.max(1, Int((Double(side) * outscale).rounded(.toNearestOrAwayFromZero)))
    }
}
