import ImageCodecs
import Tensors

/// The one place where pixels become tensors and tensors become pixels again, for training and
/// inference alike.
///
/// Pixels map to `[-1, 1]` as the reference's `ToTensor()` then `Normalize(0.5, 0.5)`:
/// a level v of a sample type with maximum `max` (255, or 65535 for 16-bit) becomes
/// `(v / max - 0.5) / 0.5` computed in `Float`, bit for bit the value PyTorch produces; `[0, 1]`
/// (`ToTensor()` only) is `v / max`. Layout goes from HWC (interleaved) to CHW (planar). Back to
/// pixels the value is clamped and rounded to the nearest level (the reference's `tensor2im`
/// truncates, which darkens by half a level on average). Colorization's Lab scaling (L / 50 − 1,
/// ab / 110) is here too.
public enum PixelTensor {
    /// The value range pixels are mapped to (inputs) or from (outputs).
    public enum ValueRange: Sendable {
        /// `ToTensor()` then `Normalize(0.5, 0.5)`: the reference's convention.
        case minusOneToOne
        /// `ToTensor()` only.
        case zeroToOne
    }

    /// The tensor value of each 8-bit level.
    static let levels: [Float] = (0..<256).map { (Float($0) / 255 - 0.5) / 0.5 }

    /// `[C, H, W]` in `[-1, 1]` from `pixels` (or the `crop` rectangle of it), mirrored left to
    /// right when `flipHorizontally`. Crop, flip and conversion happen in one pass.
    /// 16-bit samples map as `(v / 65535 - 0.5) / 0.5`.
    /// - Precondition: `crop` lies inside the image.
    public static func tensor(from pixels: PixelBuffer, crop: PixelRect? = nil, flipHorizontally: Bool = false)
        -> Tensor
    {
        let rect = crop ?? PixelRect(x: 0, y: 0, width: pixels.width, height: pixels.height)
        precondition(
            rect.fits(width: pixels.width, height: pixels.height),
            "PixelTensor: crop \(rect) is outside the \(pixels.width)×\(pixels.height) image")
        let channels = pixels.channels, width = rect.width, height = rect.height
        let plane = width * height
        return Tensor.build(shape: [channels, height, width]) { output in
            switch pixels.samples {
            case .uint8(let bytes):
                // The hot loop of every training sample: raw pointers, measured 3-4x faster than
                // indexing the arrays (bench-loader stages).
                bytes.withUnsafeBufferPointer { input in
                    Self.levels.withUnsafeBufferPointer { levels in
                        for y in 0..<height {
                            // Input sample index of the row's first pixel, and its step per output pixel.
                            let rowStart = ((rect.y + y) * pixels.width + rect.x) * channels
                            let first = flipHorizontally ? rowStart + (width - 1) * channels : rowStart
                            let step = flipHorizontally ? -channels : channels
                            let outputRow = y * width
                            if channels == 3 {
                                var i = first
                                for x in 0..<width {
                                    output[outputRow + x] = levels[Int(input[i])]
                                    output[plane + outputRow + x] = levels[Int(input[i + 1])]
                                    output[2 * plane + outputRow + x] = levels[Int(input[i + 2])]
                                    i += step
                                }
                            } else {
                                for c in 0..<channels {
                                    var i = first + c
                                    for x in 0..<width {
                                        output[c * plane + outputRow + x] = levels[Int(input[i])]
                                        i += step
                                    }
                                }
                            }
                        }
                    }
                }
            case .uint16(let words):
                for c in 0..<channels {
                    for y in 0..<height {
                        let rowStart = ((rect.y + y) * pixels.width + rect.x) * channels + c
                        for x in 0..<width {
                            let column = flipHorizontally ? width - 1 - x : x
                            let value = Float(words[rowStart + column * channels]) / 65535
                            output[c * plane + y * width + x] = (value - 0.5) / 0.5
                        }
                    }
                }
            }
        }
    }

    /// A `[1, C, H, W]` tensor of the first `channels` samples of each pixel of `pixels` (HWC),
    /// 8- or 16-bit, in `range`; of the `crop` rectangle only when given (a tile of a large image,
    /// converted without making floats of the whole image).
    /// - Precondition: `1 <= channels <= pixels.channels`; `crop` lies inside the image.
    public static func tensor(from pixels: PixelBuffer, channels: Int, range: ValueRange, crop: PixelRect? = nil)
        -> Tensor {
        precondition(channels >= 1 && channels <= pixels.channels,
                     "PixelTensor: \(channels) channels requested from a \(pixels.channels)-channel image")
        let rect = crop ?? PixelRect(x: 0, y: 0, width: pixels.width, height: pixels.height)
        precondition(rect.fits(width: pixels.width, height: pixels.height),
                     "PixelTensor: crop \(rect) is outside the \(pixels.width)×\(pixels.height) image")
        let maximum = Float(pixels.sampleType.maximum)
        let (w, h, stride) = (rect.width, rect.height, pixels.channels)
        let plane = w * h
        return Tensor.build(shape: [1, channels, h, w]) { out in
            func fill<T: BinaryInteger>(_ samples: [T]) {
                samples.withUnsafeBufferPointer { source in
                    for c in 0..<channels {
                        let base = c * plane
                        for y in 0..<h {
                            let row = ((rect.y + y) * pixels.width + rect.x) * stride + c, outRow = base + y * w
                            switch range {
                            case .minusOneToOne:
                                for x in 0..<w { out[outRow + x] = (Float(source[row + x * stride]) / maximum - 0.5) / 0.5 }
                            case .zeroToOne:
                                for x in 0..<w { out[outRow + x] = Float(source[row + x * stride]) / maximum }
                            }
                        }
                    }
                }
            }
            switch pixels.samples {
            case .uint8(let values): fill(values)
            case .uint16(let values): fill(values)
            }
        }
    }

    /// 8-bit pixels from a `[C, H, W]` tensor (or `[1, C, H, W]`) in `[-1, 1]`: `(x + 1) / 2 · 255`,
    /// clamped and rounded to the nearest level.
    /// - Precondition: C is 1 to 4.
    public static func pixels(from tensor: Tensor) -> PixelBuffer {
        var dimensions = tensor.shape.dimensions
        if dimensions.count == 4 {
            precondition(
                dimensions[0] == 1, "PixelTensor.pixels: a batch of \(dimensions[0]); use pixels(from:batchIndex:)")
            dimensions.removeFirst()
        }
        precondition(dimensions.count == 3, "PixelTensor.pixels: expected [C, H, W], got \(tensor.shape)")
        return pixels(from: tensor, channels: dimensions[0], height: dimensions[1], width: dimensions[2], offset: 0,
                      range: .minusOneToOne, sampleType: .uint8)
    }

    /// 8-bit pixels of image `batchIndex` of an `[N, C, H, W]` batch in `[-1, 1]`.
    public static func pixels(from batch: Tensor, batchIndex: Int) -> PixelBuffer {
        pixels(from: batch, index: batchIndex, range: .minusOneToOne, sampleType: .uint8)
    }

    /// The pixels of image `index` of a `[N, C, H, W]` tensor in `range`, as `sampleType` samples.
    /// - Precondition: C is 1 to 4.
    public static func pixels(from batch: Tensor, index: Int = 0, range: ValueRange,
                              sampleType: PixelBuffer.SampleType) -> PixelBuffer {
        let (n, c, h, w) = batch.shape.nchw
        precondition(index >= 0 && index < n, "PixelTensor.pixels: image \(index) of a batch of \(n)")
        return pixels(from: batch, channels: c, height: h, width: w, offset: index * c * h * w, range: range,
                      sampleType: sampleType)
    }

    private static func pixels(from tensor: Tensor, channels: Int, height: Int, width: Int, offset: Int,
                               range: ValueRange, sampleType: PixelBuffer.SampleType) -> PixelBuffer {
        precondition((1...4).contains(channels),
                     "PixelTensor.pixels: expected 1 to 4 channels, got \(tensor.shape)")
        let maximum = Float(sampleType.maximum)
        // v = (x − offset) · levels with levels 127.5, 255, 32767.5 or 65535: exact, so x = 0 in
        // [−1, 1] lands on 127.5 and rounds up.
        let (shift, levels): (Float, Float) = range == .minusOneToOne ? (-1, maximum / 2) : (0, maximum)
        let plane = height * width
        func convert<T: FixedWidthInteger>(_: T.Type) -> [T] {
            var samples = [T](repeating: 0, count: plane * channels)
            tensor.withUnsafeBufferPointer { source in
                for c in 0..<channels {
                    for p in 0..<plane {
                        let value = source[offset + c * plane + p]
                        let level = ((value - shift) * levels).rounded(.toNearestOrAwayFromZero)
                        // NaN lands on 0.
                        samples[p * channels + c] = T(level.isNaN ? 0 : Swift.min(maximum, Swift.max(0, level)))
                    }
                }
            }
            return samples
        }
        switch sampleType {
        case .uint8: return PixelBuffer(width: width, height: height, channels: channels, bytes: convert(UInt8.self))
        case .uint16: return PixelBuffer(width: width, height: height, channels: channels, words: convert(UInt16.self))
        }
    }

    // MARK: - Lab (colorization)

    /// L in [0, 100] maps to the input as `L / 50 − 1`.
    public static let labLightnessScale: Float = 50
    /// a and b map to the target as `ab / 110` (reference c4).
    public static let labColorScale: Float = 110

    /// `L / 50 − 1` as `[1, H, W]` from HWC Lab values.
    public static func lightness(fromLab lab: [Float], width: Int, height: Int) -> Tensor {
        let plane = width * height
        precondition(lab.count == plane * 3, "PixelTensor.lightness: \(lab.count) Lab values for \(width)×\(height)")
        return Tensor.build(shape: [1, height, width]) { output in
            for p in 0..<plane { output[p] = lab[3 * p] / labLightnessScale - 1 }
        }
    }

    /// `ab / 110` as `[2, H, W]` from HWC Lab values.
    public static func color(fromLab lab: [Float], width: Int, height: Int) -> Tensor {
        let plane = width * height
        precondition(lab.count == plane * 3, "PixelTensor.color: \(lab.count) Lab values for \(width)×\(height)")
        return Tensor.build(shape: [2, height, width]) { output in
            for p in 0..<plane {
                output[p] = lab[3 * p + 1] / labColorScale
                output[plane + p] = lab[3 * p + 2] / labColorScale
            }
        }
    }

    /// HWC Lab values from `lightness` (`plane` L values, in [0, 100]) and a color tensor with
    /// `2 · plane` values in [−1, 1] (`[2, H, W]` or `[1, 2, H, W]`): `ab = 110 · color`.
    public static func lab(lightness: [Float], color: Tensor) -> [Float] {
        let plane = lightness.count
        precondition(color.scalarCount == 2 * plane, "PixelTensor.lab: \(color.shape) color for \(plane) pixels")
        var lab = [Float](repeating: 0, count: plane * 3)
        color.withUnsafeBufferPointer { ab in
            for p in 0..<plane {
                lab[3 * p] = lightness[p]
                lab[3 * p + 1] = ab[p] * labColorScale
                lab[3 * p + 2] = ab[plane + p] * labColorScale
            }
        }
        return lab
    }

    /// L values in [0, 100] from a lightness tensor in [−1, 1]: `(x + 1) · 50`.
    public static func lightnessValues(from tensor: Tensor) -> [Float] {
        tensor.scalars.map { ($0 + 1) * labLightnessScale }
    }
}
