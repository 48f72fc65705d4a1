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
