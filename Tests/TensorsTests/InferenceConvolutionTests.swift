import Kernels
import Testing
import Tensors
import TestSupport

/// The inference-only convolutions (Winograd F(4×4, 3×3), direct few-output loop) against `conv2d`.
@Suite struct InferenceConvolutionTests {
    struct Case: Sendable, CustomStringConvertible {
        var batch, inputChannels, outputChannels, height, width: Int
        var description: String { "\(batch)×\(inputChannels)→\(outputChannels) \(height)×\(width)" }
    }

    static let cases: [Case] = [
        Case(batch: 1, inputChannels: 1, outputChannels: 1, height: 2, width: 2),
        Case(batch: 2, inputChannels: 3, outputChannels: 5, height: 3, width: 5),
        Case(batch: 1, inputChannels: 4, outputChannels: 2, height: 4, width: 4),
        Case(batch: 1, inputChannels: 5, outputChannels: 7, height: 7, width: 9),
        Case(batch: 2, inputChannels: 6, outputChannels: 3, height: 17, width: 70),  // partial SIMD chunk of tiles
        Case(batch: 1, inputChannels: 16, outputChannels: 8, height: 64, width: 33),  // several tile-row blocks
        Case(batch: 1, inputChannels: 3, outputChannels: 4, height: 1, width: 1),  // zero padding only
    ]

    @Test(arguments: cases, [PaddingMode.reflect, .zero])
    func matchesPaddingThenDirectConvolution(_ shape: Case, padding: PaddingMode) {
        if padding == .reflect && (shape.height < 2 || shape.width < 2) { return }
        let x = Compare.randomTensor([shape.batch, shape.inputChannels, shape.height, shape.width], seed: 1)
        let weight = Compare.randomTensor([shape.outputChannels, shape.inputChannels, 3, 3], seed: 2)
        let bias = Compare.randomTensor([shape.outputChannels], seed: 3)
        let direct = x.padded(by: 1, mode: padding).conv2d(weight: weight, bias: bias)
        let fast = x.winogradConvolved(WinogradWeights(weight: weight, bias: bias), padding: padding)
        #expect(fast.shape == direct.shape)
        // Sums of 9·C products of unit-scale values; F(4, 3) rounding stays near 1e-6 per unit.
        let scale = Float(9 * shape.inputChannels).squareRoot()
        #expect(fast.maxAbsoluteDifference(direct) < 2e-5 * scale, "\(shape) \(padding)")
    }

    @Test func withoutBiasAndAtResNetBlockWidth() {
        let x = Compare.randomTensor([1, 64, 12, 20], seed: 4)
        let weight = Compare.randomTensor([64, 64, 3, 3], seed: 5).scaled(by: 0.05)
        let direct = x.padded(by: 1, mode: .reflect).conv2d(weight: weight, bias: nil)
        let fast = x.winogradConvolved(WinogradWeights(weight: weight, bias: nil), padding: .reflect)
        #expect(fast.maxAbsoluteDifference(direct) < 2e-5)
    }
}

extension InferenceConvolutionTests {
    @Test(arguments: [(1, 8, 7, 7, 3), (3, 5, 9, 41, 3), (2, 3, 12, 70, 7), (4, 2, 9, 38, 1), (1, 1, 5, 5, 5)])
    func directLoopMatchesConv2d(outputs: Int, inputs: Int, height: Int, width: Int, kernel: Int) {
        // Widths 41, 70 and 38 exercise the 32-column, 8-column and single-column paths; 4 outputs two groups.
        let x = Compare.randomTensor([2, inputs, height, width], seed: 6)
        let weight = Compare.randomTensor([outputs, inputs, kernel, kernel], seed: 7)
        let bias = Compare.randomTensor([outputs], seed: 8)
        let direct = x.conv2d(weight: weight, bias: bias)
        let fast = x.directConvolved(weight: weight, bias: bias)
        #expect(fast.shape == direct.shape)
        #expect(fast.maxAbsoluteDifference(direct) < 1e-5 * Float(inputs * kernel * kernel).squareRoot())
        #expect(x.directConvolved(weight: weight, bias: nil).maxAbsoluteDifference(x.conv2d(weight: weight, bias: nil)) < 1e-4)
    }
}

// MARK: - Zero padding in the direct loop, against a naive loop

extension InferenceConvolutionTests {
    /// `y[n, o, oy, ox] = bias[o] + Σ w[o, c, ky, kx] · x[n, c, oy − p + ky, ox − p + kx]` (zero outside),
    /// summed in Double: the reference for the fast kernels.
    static func naiveConvolution(_ x: Tensor, weight: Tensor, bias: Tensor?, padding p: Int) -> Tensor {
        let (n, c, h, w) = x.shape.nchw
        let (o, _, k, _) = weight.shape.nchw
        let (ho, wo) = (h + 2 * p - k + 1, w + 2 * p - k + 1)
        let (xs, ws, bs) = (x.scalars, weight.scalars, bias?.scalars)
        var ys = [Float](repeating: 0, count: n * o * ho * wo)
        for image in 0..<n {
            for out in 0..<o {
                for oy in 0..<ho {
                    for ox in 0..<wo {
                        var sum = Double(bs?[out] ?? 0)
                        for channel in 0..<c {
                            for ky in 0..<k {
                                let iy = oy - p + ky
                                guard iy >= 0 && iy < h else { continue }
                                for kx in 0..<k {
                                    let ix = ox - p + kx
                                    guard ix >= 0 && ix < w else { continue }
                                    sum += Double(xs[((image * c + channel) * h + iy) * w + ix])
                                        * Double(ws[((out * c + channel) * k + ky) * k + kx])
                                }
                            }
                        }
                        ys[((image * o + out) * ho + oy) * wo + ox] = Float(sum)
                    }
                }
            }
        }
        return Tensor(shape: [n, o, ho, wo], scalars: ys)
    }

    /// (outputs, inputs, height, width, kernel, padding). SRResNet's tail is 64 → 3, 9×9, padding 4:
    /// width 45 leaves 37 interior columns (one 32-column block and 5 single ones), 50 leaves 42 (32 + 8
    /// + 2); 4 outputs make two groups; 3×4 and 2×2 images are narrower than the kernel (no interior
    /// column at all, kernel rows clipped at both edges).
    static let paddedCases: [(Int, Int, Int, Int, Int, Int)] = [
        (3, 64, 11, 45, 9, 4), (3, 16, 9, 50, 9, 4), (4, 8, 13, 9, 9, 4), (1, 8, 5, 7, 3, 1), (2, 5, 3, 4, 7, 3),
        (3, 9, 2, 2, 3, 2), (2, 3, 10, 41, 7, 0),
    ]

    @Test(arguments: paddedCases)
    func paddedDirectLoopMatchesNaiveLoop(_ c: (outputs: Int, inputs: Int, height: Int, width: Int, kernel: Int, padding: Int)) {
        let x = Compare.randomTensor([2, c.inputs, c.height, c.width], seed: 21)
        let weight = Compare.randomTensor([c.outputs, c.inputs, c.kernel, c.kernel], seed: 22)
        let bias = Compare.randomTensor([c.outputs], seed: 23)
        let tolerance = 1e-5 * Float(c.inputs * c.kernel * c.kernel).squareRoot()
        for b in [bias, nil] {
            let expected = Self.naiveConvolution(x, weight: weight, bias: b, padding: c.padding)
            let fast = x.directConvolved(weight: weight, bias: b, padding: c.padding)
            #expect(fast.shape == expected.shape)
            #expect(fast.maxAbsoluteDifference(expected) < tolerance, "\(c) bias \(b != nil)")
        }
    }

    /// SRResNet's 9×9 head (3 → 64) and tail (64 → 3) on both `conv2d` paths against the naive loop, and
    /// the tail's direct loop against each: the shapes the upscale fast path is built for.
    @Test(arguments: [(3, 64), (64, 3)], ConvolutionPath.allCases)
    func nineByNineHeadAndTailMatchNaiveLoop(_ channels: (inputs: Int, outputs: Int), _ path: ConvolutionPath) {
        let x = Compare.randomTensor([1, channels.inputs, 9, 35], seed: 24)
        let weight = Compare.randomTensor([channels.outputs, channels.inputs, 9, 9], seed: 25).scaled(by: 0.1)
        let bias = Compare.randomTensor([channels.outputs], seed: 26)
        let expected = Self.naiveConvolution(x, weight: weight, bias: bias, padding: 4)
        let tolerance = 1e-6 * Float(channels.inputs * 81).squareRoot()
        let layer = ConvolutionPath.$override.withValue(path) { x.conv2d(weight: weight, bias: bias, padding: 4) }
        #expect(layer.maxAbsoluteDifference(expected) < tolerance, "conv2d \(path)")
        if channels.outputs <= 3 {
            let fast = x.directConvolved(weight: weight, bias: bias, padding: 4)
            #expect(fast.shape == [1, 3, 9, 35])
            #expect(fast.maxAbsoluteDifference(expected) < tolerance, "direct")
        }
    }
}
