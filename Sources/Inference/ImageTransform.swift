import ImageCodecs
import ImageDatasets
import Networks
import Tensors

/// One decoded image on its way through the network: the network input plus what is needed to
/// turn the network output back into an image like the input (alpha, channel count, bit depth).
public struct PreparedImage: @unchecked Sendable {
    /// `[1, C, h, w]`, unpadded; the network runner pads it to the multiple it needs.
    public var input: Tensor
    /// The alpha channel (1 channel, input size), passed through untouched.
    public var alpha: PixelBuffer?
    /// Colour channels of the source: 1 gray, 3 RGB.
    public var sourceChannels: Int
    /// 8- or 16-bit: the output is written with the same depth.
    public var sampleType: PixelBuffer.SampleType
    /// Size of the image the output must have before any model scaling.
    public var width: Int
    public var height: Int
    /// Colorization: the full-resolution Lab values (HWC) whose L is kept.
    public var lab: [Float]?
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
    }

    // MARK: - Stages

    /// Decode-side work: alpha split off, optional resize, channel conversion, pixels to floats.
    public func prepare(_ pixels: PixelBuffer) -> PreparedImage {
        var alpha = pixels.alphaChannel()
        var color = pixels.droppingAlpha()
        let sourceChannels = color.channels
        switch mode {
        case .translate:
            if let resize {
                let size = resize.size(width: color.width, height: color.height)
                if size.width != color.width || size.height != color.height {
                    color = color.resized(width: size.width, height: size.height, filter: .bicubic)
                    alpha = alpha?.resized(width: size.width, height: size.height, filter: .bicubic)
                }
            }
            if color.channels != inputChannels { color = color.converted(toChannels: inputChannels) }
            return PreparedImage(input: PixelTensor.tensor(from: color, channels: inputChannels,
                                                           range: Self.pixelRange(preprocessing.inputRange)),
                                 alpha: alpha, sourceChannels: sourceChannels, sampleType: color.sampleType,
                                 width: color.width, height: color.height, lab: nil)
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
                                 alpha: alpha, sourceChannels: sourceChannels, sampleType: rgb.sampleType,
                                 width: rgb.width, height: rgb.height, lab: lab)
        }
    }

    /// Encode-side work: the network output (`[1, C, h, w]`) back to pixels like the input's.
    public func finish(_ prepared: PreparedImage, output: Tensor) -> PixelBuffer {
        var result: PixelBuffer
        switch mode {
        case .translate:
            result = PixelTensor.pixels(from: output, range: Self.pixelRange(preprocessing.outputRange),
                                        sampleType: prepared.sampleType)
            if keepMode && result.channels != prepared.sourceChannels {
                result = result.converted(toChannels: prepared.sourceChannels)
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
