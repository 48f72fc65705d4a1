import ImageCodecs
import Tensors

/// One random draw of the reference's `get_params` plus the resize it implies: applied to A and
/// B alike for paired data.
public struct AugmentationPlan: Sendable, Equatable {
    /// The size to resize to first (bicubic, as Pillow), or nil to keep the size.
    public var resize: (width: Int, height: Int)?
    /// The crop in the resized image, or nil for the whole image.
    public var crop: PixelRect?
    /// Mirror left to right.
    public var flip: Bool

    public static func == (a: AugmentationPlan, b: AugmentationPlan) -> Bool {
        a.resize?.width == b.resize?.width && a.resize?.height == b.resize?.height && a.crop == b.crop
            && a.flip == b.flip
    }

    /// Resizes, crops and flips pixels (colorization and super-resolution work on pixels).
    public func applied(to pixels: PixelBuffer) -> PixelBuffer {
        var result = pixels
        if let resize { result = result.resized(width: resize.width, height: resize.height, filter: .bicubic) }
        if let crop { result = result.cropped(to: crop) }
        if flip { result = result.flippedHorizontally() }
        return result
    }

    /// Resizes, then crops, flips and converts to `[C, H, W]` in `[-1, 1]` in one pass.
    public func tensor(from pixels: PixelBuffer) -> Tensor {
        var resized = pixels
        if let resize { resized = resized.resized(width: resize.width, height: resize.height, filter: .bicubic) }
        return PixelTensor.tensor(from: resized, crop: crop, flipHorizontally: flip)
    }
}

extension RandomNumberGenerator {
    /// A uniform integer in `0..<bound` (Lemire's multiply-high; the tiny bias of skipping the
    /// rejection step is irrelevant for crop positions).
    mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below: \(bound))")
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability 1/2 (the reference's `random.random() > 0.5`).
    mutating func nextCoinFlip() -> Bool { next() >> 63 == 1 }
}

extension DatasetOptions {
    /// The size the resize stage gives a `width`×`height` image (the reference's `get_transform`).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch preprocess {
        case .resizeAndCrop:
            return (loadSize, loadSize)
        case .scaleWidth, .scaleWidthAndCrop:
            // __scale_width: keep images already at the target width and tall enough.
            if width == loadSize && height >= cropSize { return (width, height) }
            return (loadSize, Int(max(Double(loadSize) * Double(height) / Double(width), Double(cropSize))))
        case .none:
            // __make_power_2(base=4): Python's round() rounds half to even.
            func nearest4(_ value: Int) -> Int {
                max(4, Int((Double(value) / 4).rounded(.toNearestOrEven)) * 4)
            }
            return (nearest4(width), nearest4(height))
        case .crop:
            return (width, height)
        }
    }

    /// Draws the crop position and flip for a `width`×`height` image, in that order.
    /// - Throws: `ImageDatasetError(.cropTooLarge)` naming `path` and both sizes.
    public func drawPlan(width: Int, height: Int, path: String, using rng: inout some RandomNumberGenerator) throws
        -> AugmentationPlan
    {
        let size = resizedSize(width: width, height: height)
        let resize: (width: Int, height: Int)? = size == (width, height) ? nil : size
        var crop: PixelRect?
        if preprocess.crops {
            guard size.width >= cropSize && size.height >= cropSize else {
                let after = resize.map { ", \($0.width)×\($0.height) after --preprocess \(preprocess.rawValue)" } ?? ""
                throw ImageDatasetError(
                    .cropTooLarge,
                    "the \(cropSize)×\(cropSize) crop (--crop-size) is larger than the image "
                        + "(\(width)×\(height)\(after)); lower --crop-size or use --preprocess resize_and_crop",
                    path: path)
            }
            let x = rng.nextInt(below: size.width - cropSize + 1)
            let y = rng.nextInt(below: size.height - cropSize + 1)
            crop = PixelRect(x: x, y: y, width: cropSize, height: cropSize)
        }
        let flip = noFlip ? false : rng.nextCoinFlip()
        return AugmentationPlan(resize: resize, crop: crop, flip: flip)
    }
}
