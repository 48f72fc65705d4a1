import Inference
import Layers
import Networks
import Tensors
import Testing
import TestSupport

/// The inference forward pass with its same-size 3×3 convolutions on each method (our Winograd,
/// oneDNN direct, oneDNN Winograd) and on the rule's choice, against the plain forward pass.
@Suite struct SameSizeConvolutionTests {
    static let methods: [SameSizeConvolution.Method?] = SameSizeConvolution.Method.allCases + [nil]

    @Test(arguments: methods)
    func resNetGeneratorMatchesPlainForward(_ method: SameSizeConvolution.Method?) {
        // resnet_6blocks: reflection-padded 3×3 convs in the blocks (at 4·8 = 32 channels).
        let (_, network) = TestImages.generator(.resnet6, baseFilters: 8)
        let x = Compare.randomTensor([1, 3, 20, 28], seed: 11)
        let expected = network(x, phase: .inference)
        let fast = InferenceForward.make(network, method: method)(x)
        #expect(fast.shape == expected.shape)
        #expect(fast.maxAbsoluteDifference(expected) < 1e-4, "\(method.map(\.rawValue) ?? "rule")")
        // A batch gives the same bytes as its images one by one.
        let pair = InferenceForward.make(network, method: method)(Tensor.concatenate([x, x.scaled(by: 0.5)], alongAxis: 0))
        #expect(pair.shape[0] == 2)
        #expect(Array(pair.scalars.prefix(fast.scalars.count)) == fast.scalars)
    }

    @Test(arguments: [PaddingMode.zero, .reflect], [false, true])
    func dnnlConvolutionMatchesConv2D(_ padding: PaddingMode, _ winograd: Bool) {
        let x = Compare.randomTensor([2, 16, 12, 9], seed: 12)
        let weight = Compare.randomTensor([24, 16, 3, 3], seed: 13).scaled(by: 0.1)
        let bias = Compare.randomTensor([24], seed: 14)
        let weights = DNNLConvolutionWeights(weight: weight, bias: bias)
        let input = padding == .reflect ? x.padded(by: 1, mode: .reflect) : x
        let zeros = padding == .reflect ? 0 : 1
        if winograd && !weights.offersWinograd(on: input.shape, padding: zeros) { return }  // not on this CPU
        let expected = input.conv2d(weight: weight, bias: bias, padding: zeros)
        // Twice: the second call reuses the weights reordered by the first.
        var first: [Float]?
        for _ in 0..<2 {
            let y = input.dnnlConvolved(weights, padding: zeros, winograd: winograd)
            #expect(y.maxAbsoluteDifference(expected) < 1e-4)
            if let first { #expect(y.scalars == first, "repeatable") }
            first = y.scalars
        }
        // Image by image: each image's bytes as when it runs alone.
        let single = input.dnnlConvolved(weights, padding: zeros, winograd: winograd, imageByImage: true)
        let alone = Tensor.concatenate([0, 1].map { i in
            input.sliced(alongAxis: 0, i..<(i + 1)).dnnlConvolved(weights, padding: zeros, winograd: winograd)
        }, alongAxis: 0)
        #expect(single.scalars == alone.scalars, "image by image")
    }
}
