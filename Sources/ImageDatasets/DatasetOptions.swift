import ImageCodecs

/// Which half of a pair is the model's input (the reference's `--direction`).
public enum Direction: String, Sendable, CaseIterable {
    case aToB = "AtoB"
    case bToA = "BtoA"
}

/// How images are resized and cropped before training (the reference's `--preprocess`).
public enum Preprocess: String, Sendable, CaseIterable {
    /// Resize to `loadSize`×`loadSize`, then a random `cropSize` crop (the default).
    case resizeAndCrop = "resize_and_crop"
    /// A random `cropSize` crop of the image as it is.
    case crop
    /// Resize to width `loadSize` keeping the aspect ratio (height at least `cropSize`).
    case scaleWidth = "scale_width"
    /// `scaleWidth`, then a random `cropSize` crop.
    case scaleWidthAndCrop = "scale_width_and_crop"
    /// No resize or crop, except rounding each side to the nearest multiple of 4.
    case none

    /// True when a random crop is taken.
    public var crops: Bool { self == .resizeAndCrop || self == .crop || self == .scaleWidthAndCrop }
}

/// Options shared by every dataset layout, named after the reference implementation's flags
/// (pytorch-CycleGAN-and-pix2pix `base_options.py`); the `train` command maps its flags here.
public struct DatasetOptions: Sendable, Equatable {
    /// `--direction`: for paired and unpaired data, which side is the input (`a`).
    public var direction: Direction = .aToB
    /// `--preprocess`.
    public var preprocess: Preprocess = .resizeAndCrop
    /// `--load_size`: the size images are resized to before cropping.
    public var loadSize = 286
    /// `--crop_size`: the side of the random square crop (the HR patch for super-resolution).
    public var cropSize = 256
    /// `--no_flip`: no random horizontal flips.
    public var noFlip = false
    /// `--max_dataset_size`: use at most this many files per folder (the first in sorted order).
    public var maxDatasetSize: Int?
    /// `--serial_batches`: take images in order; for unpaired data, B follows A's index instead of
    /// being drawn at random.
    public var serialBatches = false
    /// `--input_nc`: channels of the model input, 1 (gray) or 3.
    public var inputChannels = 3
    /// `--output_nc`: channels of the model output, 1 or 3.
    public var outputChannels = 3
    /// `--strict`: stop at the first unreadable or damaged file instead of skipping it.
    public var strict = false
    /// Refuse images whose header claims more pixels than this (default 100 MP).
    public var maxPixels = 100_000_000
    /// Super-resolution factor (LR = HR ÷ scale).
    public var scale = 4

    public init() {}

    /// Checks combinations that cannot work; the message names the flags.
    public func validate() throws {
        func fail(_ message: String) throws { throw ImageDatasetError(.invalidOptions, message) }
        if cropSize < 1 { try fail("--crop-size must be at least 1, got \(cropSize)") }
        if loadSize < 1 { try fail("--load-size must be at least 1, got \(loadSize)") }
        if (preprocess == .resizeAndCrop || preprocess == .scaleWidthAndCrop) && cropSize > loadSize {
            try fail(
                "--crop-size (\(cropSize)) must not exceed --load-size (\(loadSize)) "
                    + "with --preprocess \(preprocess.rawValue)")
        }
        if ![1, 3].contains(inputChannels) || ![1, 3].contains(outputChannels) {
            try fail("--input-nc and --output-nc must be 1 or 3, got \(inputChannels) and \(outputChannels)")
        }
        if scale < 1 { try fail("--scale must be at least 1, got \(scale)") }
        if maxPixels < 1 { try fail("the pixel limit must be positive, got \(maxPixels)") }
        if let maxDatasetSize, maxDatasetSize < 1 {
            try fail("--max-dataset-size must be at least 1, got \(maxDatasetSize)")
        }
    }

    /// Decoder settings these options imply.
    var decodeOptions: DecodeOptions { DecodeOptions(maxPixels: maxPixels, keep16Bit: false, applyOrientation: true) }
}
