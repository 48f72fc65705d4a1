import ImageCodecs
import ImageDatasets
import Tensors
import Testing

/// The inference side of `PixelTensor` (value ranges, 16-bit, batches), alpha split/attach and Lab scaling.
@Suite struct PixelTensorRangeTests {
    /// A deterministic pattern: sample = (x·37 + y·91 + c·53) mod 256 (16-bit: other primes mod 65536).
    static func pattern(width: Int, height: Int, channels: Int, sixteenBit: Bool = false) -> PixelBuffer {
        let count = width * height * channels
        if sixteenBit {
            let words = (0..<count).map { i -> UInt16 in
                let (p, c) = (i / channels, i % channels)
                return UInt16(truncatingIfNeeded: ((p % width) * 4099 + (p / width) * 7919 + c * 1543) % 65536)
            }
            return PixelBuffer(width: width, height: height, channels: channels, words: words)
        }
        let bytes = (0..<count).map { i -> UInt8 in
            let (p, c) = (i / channels, i % channels)
            return UInt8(((p % width) * 37 + (p / width) * 91 + c * 53) % 256)
        }
        return PixelBuffer(width: width, height: height, channels: channels, bytes: bytes)
    }

    @Test func eightBitMapsToMinusOneOneAsTheReference() {
        let pixels = PixelBuffer(width: 3, height: 1, channels: 1, bytes: [0, 255, 51])
        let tensor = PixelTensor.tensor(from: pixels, channels: 1, range: .minusOneToOne)
        #expect(tensor.shape == [1, 1, 1, 3])
        let values = tensor.scalars
        #expect(values[0] == -1 && values[1] == 1)
        #expect(abs(values[2] - (51.0 / 255 - 0.5) / 0.5) < 1e-6)
    }

    @Test func channelsArePlanarAndAlphaIsLeftOut() {
        // Two RGBA pixels: the tensor takes R, G, B planes only.
        let pixels = PixelBuffer(width: 2, height: 1, channels: 4, bytes: [0, 51, 102, 7, 255, 204, 153, 9])
        let tensor = PixelTensor.tensor(from: pixels, channels: 3, range: .zeroToOne)
        #expect(tensor.shape == [1, 3, 1, 2])
        #expect(tensor.scalars.map { ($0 * 255).rounded() } == [0, 255, 51, 204, 102, 153])
    }

    @Test(arguments: [PixelBuffer.SampleType.uint8, .uint16])
    func roundTripIsExact(sampleType: PixelBuffer.SampleType) {
        let source = Self.pattern(width: 23, height: 5, channels: 3, sixteenBit: sampleType == .uint16)
        for range in [PixelTensor.ValueRange.minusOneToOne, .zeroToOne] {
            let tensor = PixelTensor.tensor(from: source, channels: 3, range: range)
            let back = PixelTensor.pixels(from: tensor, range: range, sampleType: sampleType)
            #expect(back == source)
        }
    }

    @Test func outputIsClampedAndRounded() {
        let tensor = Tensor(shape: [1, 1, 1, 5], scalars: [-3, 2, 0, 0.999, .nan])
        let pixels = PixelTensor.pixels(from: tensor, range: .minusOneToOne, sampleType: .uint8)
        // 0 → 127.5 rounds up to 128; 0.999 → 254.87 → 255; NaN → 0.
        #expect(pixels.bytes == [0, 255, 128, 255, 0])
    }

    @Test func batchIndexSelectsTheImage() {
        let tensor = Tensor(shape: [2, 1, 1, 2], scalars: [-1, -1, 1, 1])
        #expect(
            PixelTensor.pixels(from: tensor, index: 1, range: .minusOneToOne, sampleType: .uint8).bytes == [255, 255])
    }

    @Test func alphaSplitsAndReattachesUnchanged() {
        let rgba = Self.pattern(width: 7, height: 3, channels: 4)
        let alpha = rgba.alphaChannel()
        #expect(alpha?.channels == 1)
        let rebuilt = rgba.droppingAlpha().attachingAlpha(alpha!)
        #expect(rebuilt == rgba)
        #expect(rgba.droppingAlpha().alphaChannel() == nil)
        // 8-bit alpha on 16-bit colour is scaled by 257.
        let wide = rgba.droppingAlpha().convertedTo16Bit().attachingAlpha(alpha!)
        #expect(wide.sampleType == .uint16 && wide[2, 1, 3] == rgba[2, 1, 3] * 257)
    }

    @Test func lightnessAndColourRecombine() {
        let lab: [Float] = [50, 10, -10, 100, 0, 0]
        let lightness = PixelTensor.lightness(fromLab: lab, width: 2, height: 1)
        #expect(lightness.scalars == [0, 1])
        #expect(PixelTensor.color(fromLab: lab, width: 2, height: 1).scalars == [10.0 / 110, 0, -10.0 / 110, 0])
        let ab = Tensor(shape: [1, 2, 1, 2], scalars: [0.5, -0.5, 0.25, 1])
        let combined = PixelTensor.lab(lightness: PixelTensor.lightnessValues(from: lightness), color: ab)
        #expect(combined == [50, 55, 27.5, 100, -55, 110])
    }
}
