import ImageCodecs
import Networks
import Tensors

/// Pixels ↔ network tensors for inference, in this one file.
///
/// Samples map to floats as the reference does (`ToTensor` then `Normalize(0.5, 0.5)`):
/// `x = (v / max − 0.5) / 0.5` for `[-1, 1]`, `x = v / max` for `[0, 1]`, with `max` 255 for 8-bit and
/// 65535 for 16-bit samples, so 16-bit images keep their precision. Back to pixels the value is
/// clamped and rounded to the nearest level (the reference truncates; rounding is unbiased).
public enum PixelConversion {
    /// A `[1, C, H, W]` tensor of the first `channels` samples of each pixel of `pixels` (HWC).
    /// - Precondition: `channels <= pixels.channels`; `range` is `[-1, 1]` or `[0, 1]`.
    public static func tensor(from pixels: PixelBuffer, channels: Int, range: Preprocessing.ValueRange) -> Tensor {
        precondition(channels >= 1 && channels <= pixels.channels,
                     "PixelConversion: \(channels) channels requested from a \(pixels.channels)-channel image")
        let (scale, offset) = mapping(range, maximum: Float(pixels.sampleType.maximum))
        let (w, h, stride) = (pixels.width, pixels.height, pixels.channels)
        let plane = w * h
        return Tensor.build(shape: [1, channels, h, w]) { out in
            func fill<T: BinaryInteger>(_ samples: [T]) {
                samples.withUnsafeBufferPointer { source in
                    for c in 0..<channels {
                        let base = c * plane
                        for p in 0..<plane { out[base + p] = Float(source[p * stride + c]) * scale + offset }
                    }
                }
            }
            switch pixels.samples {
            case .uint8(let values): fill(values)
            case .uint16(let values): fill(values)
            }
        }
    }

    /// The pixels of image `index` of a `[N, C, H, W]` tensor, as `sampleType` samples (C = 1 gray or 3 RGB).
    /// - Precondition: C is 1 or 3; `range` is `[-1, 1]` or `[0, 1]`.
    public static func pixels(from tensor: Tensor, index: Int = 0, range: Preprocessing.ValueRange,
                              sampleType: PixelBuffer.SampleType) -> PixelBuffer {
        let (n, channels, h, w) = tensor.shape.nchw
        precondition(index >= 0 && index < n, "PixelConversion: image \(index) of a batch of \(n)")
        precondition(channels == 1 || channels == 3, "PixelConversion: \(channels) output channels; expected 1 or 3")
        let maximum = Float(sampleType.maximum)
        // v = (x − offset) · levels, with levels = 1 / scale computed exactly (127.5, 255, 32767.5, …),
        // so x = 0 in [−1, 1] lands on 127.5 and rounds up.
        let (_, offset) = mapping(range, maximum: maximum)
        let levels = range == .minusOneToOne ? maximum / 2 : maximum
        let plane = w * h
        let base = index * channels * plane
        func convert<T: FixedWidthInteger>(_: T.Type) -> [T] {
            var samples = [T](repeating: 0, count: plane * channels)
            tensor.withUnsafeBufferPointer { source in
                for c in 0..<channels {
                    for p in 0..<plane {
                        // Inverse of x = v·scale + offset, clamped into the sample range, rounded half up.
                        let level = ((source[base + c * plane + p] - offset) * levels).rounded(.toNearestOrAwayFromZero)
                        samples[p * channels + c] = T(level.isNaN ? 0 : Swift.min(maximum, Swift.max(0, level)))
                    }
                }
            }
            return samples
        }
        switch sampleType {
        case .uint8: return PixelBuffer(width: w, height: h, channels: channels, bytes: convert(UInt8.self))
        case .uint16: return PixelBuffer(width: w, height: h, channels: channels, words: convert(UInt16.self))
        }
    }

    /// `x = v·scale + offset` for samples `v` in `0...maximum`.
    static func mapping(_ range: Preprocessing.ValueRange, maximum: Float) -> (scale: Float, offset: Float) {
        switch range {
        case .minusOneToOne: return (2 / maximum, -1)
        case .zeroToOne: return (1 / maximum, 0)
        case .imagenet: preconditionFailure("PixelConversion: ImageNet-normalized tensors are not images")
        }
    }

    // MARK: - Alpha

    /// The alpha channel of a gray+alpha or RGBA image as a 1-channel buffer, or nil without alpha.
    public static func alpha(of pixels: PixelBuffer) -> PixelBuffer? {
        guard pixels.hasAlpha else { return nil }
        let (stride, last, count) = (pixels.channels, pixels.channels - 1, pixels.pixelCount)
        switch pixels.samples {
        case .uint8(let values):
            return PixelBuffer(width: pixels.width, height: pixels.height, channels: 1,
                               bytes: (0..<count).map { values[$0 * stride + last] })
        case .uint16(let values):
            return PixelBuffer(width: pixels.width, height: pixels.height, channels: 1,
                               words: (0..<count).map { values[$0 * stride + last] })
        }
    }

    /// `color` (1 or 3 channels) with `alpha` (1 channel, same size) appended as its last channel;
    /// the alpha samples are converted to `color`'s sample type (×257 or rounded ÷257).
    public static func attaching(alpha: PixelBuffer, to color: PixelBuffer) -> PixelBuffer {
        precondition(alpha.width == color.width && alpha.height == color.height && alpha.channels == 1
                     && !color.hasAlpha, "attaching(alpha:to:): \(alpha.width)×\(alpha.height) alpha on "
                     + "\(color.width)×\(color.height)×\(color.channels)")
        let channels = color.channels + 1
        let count = color.pixelCount
        func interleave<T>(_ colorSamples: [T], _ alphaSamples: [T]) -> [T] {
            var result = [T]()
            result.reserveCapacity(count * channels)
            for p in 0..<count {
                for c in 0..<(channels - 1) { result.append(colorSamples[p * (channels - 1) + c]) }
                result.append(alphaSamples[p])
            }
            return result
        }
        switch color.sampleType {
        case .uint8:
            return PixelBuffer(width: color.width, height: color.height, channels: channels,
                               bytes: interleave(color.bytes, alpha.convertedTo8Bit().bytes))
        case .uint16:
            return PixelBuffer(width: color.width, height: color.height, channels: channels,
                               words: interleave(color.words, alpha.convertedTo16Bit().words))
        }
    }

    // MARK: - Lab (colorization)

    /// The colorization model's input `[1, 1, H, W]` from Lab values (HWC, L in [0, 100]): `L / 50 − 1`.
    public static func lightnessTensor(fromLab lab: [Float], width: Int, height: Int) -> Tensor {
        precondition(lab.count == width * height * 3, "lightnessTensor: \(lab.count) values for \(width)×\(height)×3")
        return Tensor.build(shape: [1, 1, height, width]) { out in
            for p in 0..<(width * height) { out[p] = lab[p * 3] / 50 - 1 }
        }
    }

    /// Lab values (HWC) from full-resolution lightness (`lab`'s L) and the model's ab output
    /// (`[1, 2, H, W]` in [−1, 1], already at full resolution): `ab = 110 · output` (reference c4).
    public static func combiningLightness(of lab: [Float], withColor ab: Tensor, width: Int, height: Int) -> [Float] {
        precondition(ab.shape == [1, 2, height, width], "combiningLightness: ab is \(ab.shape), image \(width)×\(height)")
        let plane = width * height
        var result = [Float](repeating: 0, count: plane * 3)
        ab.withUnsafeBufferPointer { values in
            for p in 0..<plane {
                result[p * 3] = lab[p * 3]
                result[p * 3 + 1] = values[p] * 110
                result[p * 3 + 2] = values[plane + p] * 110
            }
        }
        return result
    }

    /// Pixels from RGB values in [0, 1] (HWC, as `ColorConversion.labToRGB` returns), rounded to
    /// `sampleType` levels.
    public static func pixels(fromUnitRGB rgb: [Float], width: Int, height: Int,
                              sampleType: PixelBuffer.SampleType) -> PixelBuffer {
        precondition(rgb.count == width * height * 3, "pixels(fromUnitRGB:): \(rgb.count) values for \(width)×\(height)×3")
        let maximum = Float(sampleType.maximum)
        func level(_ value: Float) -> Float {
            let level = (value * maximum).rounded(.toNearestOrAwayFromZero)
            return level.isNaN ? 0 : Swift.min(maximum, Swift.max(0, level))
        }
        switch sampleType {
        case .uint8: return PixelBuffer(width: width, height: height, channels: 3, bytes: rgb.map { UInt8(level($0)) })
        case .uint16: return PixelBuffer(width: width, height: height, channels: 3, words: rgb.map { UInt16(level($0)) })
        }
    }
}
