import Kernels
import Testing
import Tensors
import TestSupport

/// Every test runs on both convolution paths (im2col + OpenBLAS and oneDNN).
@Suite struct ConvolutionTests {
    @Test(arguments: ConvolutionPath.allCases)
    func conv2DLiteral(_ path: ConvolutionPath) {
        ConvolutionPath.$override.withValue(path) { conv2DLiteral() }
    }

    func conv2DLiteral() {
        // 1×1×3×3 input, one 2×2 kernel, padding 0: each output is the sum of its window weighted 1, 2, 3, 4.
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let y = x.conv2d(weight: w, bias: Tensor(shape: [1], scalars: [0.5]))
        #expect(y.shape == [1, 1, 2, 2])
        // 1·1 + 2·2 + 3·4 + 4·5 + 0.5, and so on for the other three windows.
        let expected: [Float] = [37.5, 47.5, 67.5, 77.5]
        #expect(y.scalars == expected)
        // Stride 2 with padding 1 reads the zero border: the top-left output sees only x[0,0] under w[1,1].
        let strided = x.conv2d(weight: w, bias: nil, stride: 2, padding: 1)
        #expect(strided.shape == [1, 1, 2, 2])
        // [4·1, 3·2 + 4·3, 2·4 + 4·7, 1·5 + 2·6 + 3·8 + 4·9]
        let expectedStrided: [Float] = [4, 18, 36, 77]
        #expect(strided.scalars == expectedStrided)
    }

    @Test(arguments: ConvolutionPath.allCases)
    func convTransposed2DLiteral(_ path: ConvolutionPath) {
        ConvolutionPath.$override.withValue(path) { convTransposed2DLiteral() }
    }

    func convTransposed2DLiteral() {
        // Stride 2, 2×2 kernel, no padding: every input pixel stamps a scaled copy of the kernel.
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 10])
        let w = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let y = x.convTransposed2d(weight: w, bias: nil, stride: 2, outputPadding: 1)
        #expect(y.shape == [1, 1, 3, 5])
        #expect(y.scalars == [1, 2, 10, 20, 0,
                              3, 4, 30, 40, 0,
                              0, 0, 0, 0, 0])
    }

    @Test(arguments: [(3, 1, 1), (4, 2, 1), (1, 1, 0), (3, 2, 0), (7, 1, 3)], ConvolutionPath.allCases)
    func conv2DGradientsMatchFiniteDifferences(_ c: (kernel: Int, stride: Int, padding: Int), _ path: ConvolutionPath) {
        ConvolutionPath.$override.withValue(path) { conv2DGradientsMatchFiniteDifferences(c) }
    }

    func conv2DGradientsMatchFiniteDifferences(_ c: (kernel: Int, stride: Int, padding: Int)) {
        let x = Compare.randomTensor([2, 3, 7, 6], seed: 1)
        let w = Compare.randomTensor([4, 3, c.kernel, c.kernel], seed: 2).scaled(by: 0.5)
        let b = Compare.randomTensor([4], seed: 3)
        let report = GradientCheck.check(inputs: [x, w, b]) { t in
            t[0].conv2d(weight: t[1], bias: t[2], stride: c.stride, padding: c.padding)
        }
        #expect(report.maxError < 2e-3, "\(report)")
    }

    @Test(arguments: ConvolutionPath.allCases)
    func conv2DComputesOnlyRequestedGradients(_ path: ConvolutionPath) {
        ConvolutionPath.$override.withValue(path) { conv2DComputesOnlyRequestedGradients() }
    }

    func conv2DComputesOnlyRequestedGradients() {
        let x = Compare.randomTensor([1, 2, 5, 5], seed: 4)
        let weight = Parameter(Compare.randomTensor([3, 2, 3, 3], seed: 5))
        let bias = Parameter(Compare.randomTensor([3], seed: 6))
        weight.requiresGradient = false  // frozen, as D during G's step
        x.conv2d(weight: weight.tracked, bias: bias.tracked, padding: 1).sum().backward()
        #expect(weight.gradient == nil)
        // d(sum)/d(bias) is the number of output pixels per channel.
        #expect(bias.gradient?.scalars == [25, 25, 25])
    }

    @Test(arguments: [(4, 2, 1, 0), (3, 2, 1, 1), (3, 1, 1, 0), (1, 1, 0, 0), (5, 3, 2, 2)], ConvolutionPath.allCases)
    func convTransposed2DGradientsMatchFiniteDifferences(
        _ c: (kernel: Int, stride: Int, padding: Int, outputPadding: Int), _ path: ConvolutionPath
    ) {
        ConvolutionPath.$override.withValue(path) { convTransposed2DGradientsMatchFiniteDifferences(c) }
    }

    func convTransposed2DGradientsMatchFiniteDifferences(
        _ c: (kernel: Int, stride: Int, padding: Int, outputPadding: Int)
    ) {
        let x = Compare.randomTensor([2, 3, 4, 3], seed: 7)
        let w = Compare.randomTensor([3, 5, c.kernel, c.kernel], seed: 8).scaled(by: 0.5)
        let b = Compare.randomTensor([5], seed: 9)
        let report = GradientCheck.check(inputs: [x, w, b]) { t in
            t[0].convTransposed2d(weight: t[1], bias: t[2], stride: c.stride, padding: c.padding,
                                  outputPadding: c.outputPadding)
        }
        #expect(report.maxError < 2e-3, "\(report)")
    }

    @Test(arguments: ConvolutionPath.allCases)
    func convTransposedIsTheAdjointOfConv(_ path: ConvolutionPath) {
        ConvolutionPath.$override.withValue(path) { convTransposedIsTheAdjointOfConv() }
    }

    func convTransposedIsTheAdjointOfConv() {
        // ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for the same weight, stride and padding.
        let x = Compare.randomTensor([1, 3, 8, 8], seed: 10)
        let w = Compare.randomTensor([5, 3, 4, 4], seed: 11)
        let y = Compare.randomTensor([1, 5, 4, 4], seed: 12)
        let lhs = (x.conv2d(weight: w, bias: nil, stride: 2, padding: 1) * y).sum().scalar
        let rhs = (x * y.convTransposed2d(weight: w, bias: nil, stride: 2, padding: 1)).sum().scalar
        #expect(Swift.abs(lhs - rhs) < 1e-4 * max(1, Swift.abs(lhs)))
    }
}
