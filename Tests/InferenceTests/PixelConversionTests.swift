import ImageCodecs
import Inference
import Networks
import Tensors
import Testing

@Suite struct PixelConversionTests {
    @Test func eightBitMapsToMinusOneOneAsTheReference() {
        let pixels = PixelBuffer(width: 3, height: 1, channels: 1, bytes: [0, 255, 51])
        let tensor = PixelConversion.tensor(from: pixels, channels: 1, range: .minusOneToOne)
        #expect(tensor.shape == [1, 1, 1, 3])
        let values = tensor.scalars
        #expect(values[0] == -1 && values[1] == 1)
        #expect(abs(values[2] - (51.0 / 255 - 0.5) / 0.5) < 1e-6)
    }

    @Test func channelsArePlanarAndAlphaIsLeftOut() {
        // Two RGBA pixels: the tensor takes R, G, B planes only.
        let pixels = PixelBuffer(width: 2, height: 1, channels: 4, bytes: [0, 51, 102, 7, 255, 204, 153, 9])
        let tensor = PixelConversion.tensor(from: pixels, channels: 3, range: .zeroToOne)
        #expect(tensor.shape == [1, 3, 1, 2])
        #expect(tensor.scalars.map { ($0 * 255).rounded() } == [0, 255, 51, 204, 102, 153])
    }

    @Test(arguments: [PixelBuffer.SampleType.uint8, .uint16])
    func roundTripIsExact(sampleType: PixelBuffer.SampleType) {
        let source = TestImages.pattern(width: 23, height: 5, channels: 3, sixteenBit: sampleType == .uint16)
        for range in [Preprocessing.ValueRange.minusOneToOne, .zeroToOne] {
            let tensor = PixelConversion.tensor(from: source, channels: 3, range: range)
            let back = PixelConversion.pixels(from: tensor, range: range, sampleType: sampleType)
            #expect(back == source)
        }
    }

    @Test func outputIsClampedAndRounded() {
        let tensor = Tensor(shape: [1, 1, 1, 5], scalars: [-3, 2, 0, 0.999, .nan])
        let pixels = PixelConversion.pixels(from: tensor, range: .minusOneToOne, sampleType: .uint8)
        // 0 → 127.5 rounds up to 128; 0.999 → 254.87 → 255; NaN → 0.
        #expect(pixels.bytes == [0, 255, 128, 255, 0])
    }

    @Test func batchIndexSelectsTheImage() {
        let tensor = Tensor(shape: [2, 1, 1, 2], scalars: [-1, -1, 1, 1])
        #expect(PixelConversion.pixels(from: tensor, index: 1, range: .minusOneToOne, sampleType: .uint8).bytes == [255, 255])
    }

    @Test func alphaSplitsAndReattachesUnchanged() {
        let rgba = TestImages.pattern(width: 7, height: 3, channels: 4)
        let alpha = PixelConversion.alpha(of: rgba)
        #expect(alpha?.channels == 1)
        let rebuilt = PixelConversion.attaching(alpha: alpha!, to: rgba.droppingAlpha())
        #expect(rebuilt == rgba)
        #expect(PixelConversion.alpha(of: rgba.droppingAlpha()) == nil)
        // 8-bit alpha on 16-bit colour is scaled by 257.
        let wide = PixelConversion.attaching(alpha: alpha!, to: rgba.droppingAlpha().convertedTo16Bit())
        #expect(wide.sampleType == .uint16 && wide[2, 1, 3] == rgba[2, 1, 3] * 257)
    }

    @Test func lightnessAndColourRecombine() {
        let lab: [Float] = [50, 10, -10, 100, 0, 0]
        let lightness = PixelConversion.lightnessTensor(fromLab: lab, width: 2, height: 1)
        #expect(lightness.scalars == [0, 1])
        let ab = Tensor(shape: [1, 2, 1, 2], scalars: [0.5, -0.5, 0.25, 1])
        let combined = PixelConversion.combiningLightness(of: lab, withColor: ab, width: 2, height: 1)
        #expect(combined == [50, 55, 27.5, 100, -55, 110])
    }
}
