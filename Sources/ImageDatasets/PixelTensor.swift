import ImageCodecs
import Tensors

/// The one place where pixels become tensors and tensors become pixels again.
///
/// Pixels map to `[-1, 1]` as the reference's `ToTensor()` then `Normalize(0.5, 0.5)`:
/// an 8-bit level v becomes `(v / 255 - 0.5) / 0.5` computed in `Float`, bit for bit the value
/// PyTorch produces. Layout goes from HWC (interleaved) to CHW (planar).
public enum PixelTensor {
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

    /// 8-bit pixels from a `[C, H, W]` tensor (or `[1, C, H, W]`) in `[-1, 1]`: `(x + 1) / 2 · 255`,
    /// clamped and rounded to the nearest level. (The reference's `tensor2im` truncates instead,
    /// which darkens by half a level on average.)
    /// - Precondition: C is 1 to 4.
    public static func pixels(from tensor: Tensor) -> PixelBuffer {
        var dimensions = tensor.shape.dimensions
        if dimensions.count == 4 {
            precondition(
                dimensions[0] == 1, "PixelTensor.pixels: a batch of \(dimensions[0]); use pixels(from:batchIndex:)")
            dimensions.removeFirst()
        }
        return pixels(from: tensor, dimensions: dimensions, offset: 0)
    }

    /// 8-bit pixels of image `batchIndex` of an `[N, C, H, W]` batch.
    public static func pixels(from batch: Tensor, batchIndex: Int) -> PixelBuffer {
        let (n, c, h, w) = batch.shape.nchw
        precondition(batchIndex >= 0 && batchIndex < n, "PixelTensor.pixels: index \(batchIndex) of a batch of \(n)")
        return pixels(from: batch, dimensions: [c, h, w], offset: batchIndex * c * h * w)
    }

    private static func pixels(from tensor: Tensor, dimensions: [Int], offset: Int) -> PixelBuffer {
        precondition(
            dimensions.count == 3 && (1...4).contains(dimensions[0]),
            "PixelTensor.pixels: expected [C, H, W] with 1 to 4 channels, got \(tensor.shape)")
        let (channels, height, width) = (dimensions[0], dimensions[1], dimensions[2])
        let plane = height * width
        var bytes = [UInt8](repeating: 0, count: plane * channels)
        tensor.withUnsafeBufferPointer { input in
            for c in 0..<channels {
                for p in 0..<plane {
                    let level = ((input[offset + c * plane + p] + 1) / 2 * 255).rounded()
                    // NaN compares false everywhere and lands on 0.
                    bytes[p * channels + c] = level >= 255 ? 255 : level > 0 ? UInt8(level) : 0
                }
            }
        }
        return PixelBuffer(width: width, height: height, channels: channels, bytes: bytes)
    }
}
