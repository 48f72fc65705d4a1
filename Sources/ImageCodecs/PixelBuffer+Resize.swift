import Foundation

// Separable resampling as Pillow's `Image.resize` (libImaging/Resample.c), which the reference
// implementations call through torchvision's `Resize` on PIL images. Reproduced exactly for
// 8-bit samples: the same filter support scaled by the reduction factor (so downscaling is
// antialiased), the same 22-bit fixed-point coefficients, two passes with the intermediate
// rounded to 8 bits, in Pillow 13's pass order. 16-bit samples use double coefficients and
// rounding (Pillow's I;16 path).

/// The resampling filter of `resized(width:height:filter:)`.
public enum ResampleFilter: String, Sendable, CaseIterable {
    /// Keys cubic convolution with a = -0.5, support 2 (Pillow `BICUBIC`, the reference default).
    case bicubic
    /// Triangle filter, support 1 (Pillow `BILINEAR`).
    case bilinear
    /// Box filter, support 1/2: the mean over each output pixel's footprint when shrinking
    /// (Pillow `BOX`, "area" resizing).
    case area
    /// Windowed sinc `sinc(x)·sinc(x/3)`, support 3 (Pillow `LANCZOS`, Lanczos-3); antialiased
    /// when shrinking like the others. Real-ESRGAN's `--outscale` post-resize.
    case lanczos

    var support: Double {
        switch self {
        case .bicubic: 2
        case .bilinear: 1
        case .area: 0.5
        case .lanczos: 3
        }
    }

    /// Pillow's `sinc_filter`: sin(πx)/(πx), 1 at 0.
    @inline(__always)
    static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let t = x * Double.pi
        return sin(t) / t
    }

    @inline(__always)
    func weight(_ x: Double) -> Double {
        switch self {
        case .bicubic:
            let a = -0.5
            let t = Swift.abs(x)
            if t < 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
            if t < 2 { return (((t - 5) * t + 8) * t - 4) * a }
            return 0
        case .bilinear:
            let t = Swift.abs(x)
            return t < 1 ? 1 - t : 0
        case .area:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .lanczos:
            // Pillow's `lanczos_filter`, with its half-open window.
            return -3 <= x && x < 3 ? ResampleFilter.sinc(x) * ResampleFilter.sinc(x / 3) : 0
        }
    }
}

/// Filter taps for one axis: output index i reads `count[i]` inputs from `first[i]` with
/// weights `weights[i * taps ..< i * taps + count[i]]`.
struct ResampleTaps {
    var first: [Int]
    var count: [Int]
    var weights: [Double]
    var taps: Int

    /// Pillow's `precompute_coeffs` for resizing `inputSize` samples to `outputSize`.
    init(inputSize: Int, outputSize: Int, filter: ResampleFilter) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = Swift.max(scale, 1)
        let support = filter.support * filterScale
        taps = Int(support.rounded(.up)) * 2 + 1
        first = [Int](repeating: 0, count: outputSize)
        count = [Int](repeating: 0, count: outputSize)
        weights = [Double](repeating: 0, count: outputSize * taps)
        let reciprocal = 1.0 / filterScale  // Pillow multiplies by 1/scale; dividing can differ in the last bit
        for i in 0..<outputSize {
            let center = (Double(i) + 0.5) * scale
            // Int(_:) truncates toward zero, as the C casts do.
            let low = Swift.max(Int(center - support + 0.5), 0)
            let high = Swift.min(Int(center + support + 0.5), inputSize)
            let n = high - low
            var total = 0.0
            for k in 0..<n {
                let w = filter.weight((Double(k + low) - center + 0.5) * reciprocal)
                weights[i * taps + k] = w
                total += w
            }
            if total != 0 { for k in 0..<n { weights[i * taps + k] /= total } }
            first[i] = low
            count[i] = n
        }
    }

    /// The weights as 22-bit fixed point, rounded away from zero (`normalize_coeffs_8bpc`).
    var fixedPointWeights: [Int32] {
        weights.map { w in
            let scaled = w * Double(1 << ResampleTaps.precisionBits)
            return Int32(w < 0 ? scaled - 0.5 : scaled + 0.5)
        }
    }

    /// 32 - 8 - 2: room for 8-bit values, negative lobes and sums above 1.
    static let precisionBits = 22
}

extension PixelBuffer {
    /// The image resampled to `width`×`height` with `filter` (Pillow's `Image.resize`; bicubic by
    /// default). Every channel is filtered independently, alpha included (Pillow premultiplies
    /// RGBA first; the loaders here drop alpha before resizing).
    public func resized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter = .bicubic) -> PixelBuffer {
        precondition(newWidth > 0 && newHeight > 0, "resized to an empty size \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        let needHorizontal = newWidth != width, needVertical = newHeight != height
        let horizontal = ResampleTaps(inputSize: width, outputSize: newWidth, filter: filter)
        let vertical = ResampleTaps(inputSize: height, outputSize: newHeight, filter: filter)
        // Pillow 13 runs the vertical pass first when the height shrinks by more than twice as
        // many pixels as the width does (Pillow 12 and earlier always ran the horizontal pass
        // first; the two orders differ by at most one level where they differ at all).
        let horizontalFirst = !(height - newHeight > 0 && height - newHeight > (width - newWidth) * 2)
        switch samples {
        case .uint8(let values):
            var rows = values, rowWidth = width
            if horizontalFirst {
                var rowOffset = 0
                if needHorizontal {
                    // Only the input rows some output row reads need the horizontal pass.
                    let firstRow = vertical.first[0]
                    let lastRow = vertical.first[newHeight - 1] + vertical.count[newHeight - 1]
                    rows = PixelBuffer.resampleRows8(
                        values, width: width, channels: channels, rows: firstRow..<lastRow,
                        taps: horizontal, outputWidth: newWidth)
                    rowWidth = newWidth
                    rowOffset = firstRow
                }
                if needVertical {
                    rows = PixelBuffer.resampleColumns8(
                        rows, width: rowWidth, channels: channels, rowOffset: rowOffset,
                        taps: vertical, outputHeight: newHeight)
                }
            } else {
                if needVertical {
                    rows = PixelBuffer.resampleColumns8(
                        rows, width: width, channels: channels, rowOffset: 0,
                        taps: vertical, outputHeight: newHeight)
                }
                if needHorizontal {
                    rows = PixelBuffer.resampleRows8(
                        rows, width: width, channels: channels, rows: 0..<newHeight,
                        taps: horizontal, outputWidth: newWidth)
                }
            }
            return PixelBuffer(width: newWidth, height: newHeight, channels: channels, bytes: rows)
        case .uint16(let values):
            var rows = values, rowWidth = width
            if horizontalFirst {
                var rowOffset = 0
                if needHorizontal {
                    let firstRow = vertical.first[0]
                    let lastRow = vertical.first[newHeight - 1] + vertical.count[newHeight - 1]
                    rows = PixelBuffer.resampleRows16(
                        values, width: width, channels: channels, rows: firstRow..<lastRow,
                        taps: horizontal, outputWidth: newWidth)
                    rowWidth = newWidth
                    rowOffset = firstRow
                }
                if needVertical {
                    rows = PixelBuffer.resampleColumns16(
                        rows, width: rowWidth, channels: channels, rowOffset: rowOffset,
                        taps: vertical, outputHeight: newHeight)
                }
            } else {
                if needVertical {
                    rows = PixelBuffer.resampleColumns16(
                        rows, width: width, channels: channels, rowOffset: 0,
                        taps: vertical, outputHeight: newHeight)
                }
                if needHorizontal {
                    rows = PixelBuffer.resampleRows16(
                        rows, width: width, channels: channels, rows: 0..<newHeight,
                        taps: horizontal, outputWidth: newWidth)
                }
            }
            return PixelBuffer(width: newWidth, height: newHeight, channels: channels, words: rows)
        }
    }

    // MARK: - 8-bit passes (fixed point, as Pillow)

    /// `clip8`: the 22-bit fixed-point sum to a byte, clamped.
    @inline(__always)
    static func clip8(_ sum: Int32) -> UInt8 {
        let value = sum >> Int32(ResampleTaps.precisionBits)
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(value)
    }

    static func resampleRows8(
        _ input: [UInt8], width: Int, channels: Int, rows: Range<Int>, taps: ResampleTaps, outputWidth: Int
    ) -> [UInt8] {
        let weights = taps.fixedPointWeights
        let half = Int32(1 << (ResampleTaps.precisionBits - 1))
        var output = [UInt8](repeating: 0, count: rows.count * outputWidth * channels)
        var o = 0
        for y in rows {
            let rowBase = y * width * channels
            for x in 0..<outputWidth {
                let first = taps.first[x], n = taps.count[x], w0 = x * taps.taps
                for c in 0..<channels {
                    var sum = half
                    var i = rowBase + first * channels + c
                    for k in 0..<n {
                        sum &+= Int32(input[i]) &* weights[w0 + k]
                        i += channels
                    }
                    output[o + c] = clip8(sum)
                }
                o += channels
            }
        }
        return output
    }

    private static func resampleColumns8(
        _ input: [UInt8], width: Int, channels: Int, rowOffset: Int, taps: ResampleTaps, outputHeight: Int
    ) -> [UInt8] {
        let weights = taps.fixedPointWeights
        let half = Int32(1 << (ResampleTaps.precisionBits - 1))
        let rowLength = width * channels
        var output = [UInt8](repeating: 0, count: outputHeight * rowLength)
        var sums = [Int32](repeating: 0, count: rowLength)
        for y in 0..<outputHeight {
            let first = taps.first[y] - rowOffset, n = taps.count[y], w0 = y * taps.taps
            for j in 0..<rowLength { sums[j] = half }
            // Accumulate whole rows: contiguous reads, one weight per input row.
            for k in 0..<n {
                let weight = weights[w0 + k]
                let base = (first + k) * rowLength
                for j in 0..<rowLength { sums[j] &+= Int32(input[base + j]) &* weight }
            }
            let outputBase = y * rowLength
            for j in 0..<rowLength { output[outputBase + j] = clip8(sums[j]) }
        }
        return output
    }

    // MARK: - 16-bit passes (double, rounded half away from zero)

    @inline(__always)
    static func round16(_ value: Double) -> UInt16 {
        let rounded = (value >= 0 ? value + 0.5 : value - 0.5).rounded(.towardZero)
        return rounded <= 0 ? 0 : rounded >= 65535 ? 65535 : UInt16(rounded)
    }

    static func resampleRows16(
        _ input: [UInt16], width: Int, channels: Int, rows: Range<Int>, taps: ResampleTaps, outputWidth: Int
    ) -> [UInt16] {
        var output = [UInt16](repeating: 0, count: rows.count * outputWidth * channels)
        var o = 0
        for y in rows {
            let rowBase = y * width * channels
            for x in 0..<outputWidth {
                let first = taps.first[x], n = taps.count[x], w0 = x * taps.taps
                for c in 0..<channels {
                    var sum = 0.0
                    for k in 0..<n { sum += Double(input[rowBase + (first + k) * channels + c]) * taps.weights[w0 + k] }
                    output[o + c] = round16(sum)
                }
                o += channels
            }
        }
        return output
    }

    private static func resampleColumns16(
        _ input: [UInt16], width: Int, channels: Int, rowOffset: Int, taps: ResampleTaps, outputHeight: Int
    ) -> [UInt16] {
        let rowLength = width * channels
        var output = [UInt16](repeating: 0, count: outputHeight * rowLength)
        var sums = [Double](repeating: 0, count: rowLength)
        for y in 0..<outputHeight {
            let first = taps.first[y] - rowOffset, n = taps.count[y], w0 = y * taps.taps
            for j in 0..<rowLength { sums[j] = 0 }
            for k in 0..<n {
                let weight = taps.weights[w0 + k]
                let base = (first + k) * rowLength
                for j in 0..<rowLength { sums[j] += Double(input[base + j]) * weight }
            }
            for j in 0..<rowLength { output[y * rowLength + j] = round16(sums[j]) }
        }
        return output
    }
}
