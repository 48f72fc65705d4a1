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

    /// How many steps of each fast kind a plan holds: (same-size 3×3, few-output direct).
    static func fastSteps(_ step: InferenceForward.Step) -> (sameSize: Int, fewOutputs: Int) {
        func total(_ steps: [InferenceForward.Step]) -> (Int, Int) {
            steps.map(fastSteps).reduce((0, 0)) { ($0.0 + $1.sameSize, $0.1 + $1.fewOutputs) }
        }
        switch step {
        case .sameSize3x3: return (1, 0)
        case .fewOutputs: return (0, 1)
        case .sequence(let steps), .residual(let steps), .dense(let steps), .scaledResidual(let steps, _):
            let (a, b) = total(steps)
            return (a, b)
        case .layer, .operation: return (0, 0)
        }
    }

    /// RRDBNet (Real-ESRGAN): every 3×3 convolution (`conv_last` too) by a same-size method, the dense
    /// concatenations and 0.2-scaled skips as the layers do them; the result equals the plain forward pass, on ×4 and ×2 (pixel unshuffle).
    @Test(arguments: [4, 2], methods)
    func rrdbNetMatchesPlainForward(_ scale: Int, _ method: SameSizeConvolution.Method?) {
        let network = RRDBNet(baseFilters: 8, blocks: 2, growthChannels: 4, scale: scale)
        var seed: UInt64 = 30
        for (_, parameter) in network.namedParameters where parameter.isTrainable {
            seed += 1
            parameter.value = Compare.randomTensor(parameter.shape, seed: seed).scaled(by: 0.2)
        }
        let counts = Self.fastSteps(InferenceForward.step(for: network, method: method))
        // conv_first, 2 × 3 × 5 dense-block convs, conv_body, conv_up1, conv_up2, conv_hr, conv_last.
        #expect(counts.sameSize == 36 && counts.fewOutputs == 0, "\(counts)")
        let x = Compare.randomTensor([1, 3, 10, 14], seed: 29)
        let expected = network(x, phase: .inference)
        let fast = InferenceForward.make(network, method: method)(x)
        #expect(fast.shape == [1, 3, 10 * scale, 14 * scale] && expected.shape == fast.shape)
        let size = expected.scalars.map { Swift.abs($0) }.max() ?? 1
        #expect(size > 0.1, "the network is not trivial")
        #expect(fast.maxAbsoluteDifference(expected) <= 1e-4 * Swift.max(1, size), "\(method.map(\.rawValue) ?? "rule")")
    }

    /// SRResNet: the 9×9 tail (padding 4) runs by the direct loop, the 3×3 block, trunk and upsampling
    /// convolutions by a same-size method; the result equals the plain forward pass.
    @Test(arguments: methods)
    func srResNetTailRunsDirect(_ method: SameSizeConvolution.Method?) {
        let network = SRResNet(baseFilters: 8, blocks: 2, scale: 4)
        var seed: UInt64 = 40
        for (_, parameter) in network.namedParameters where parameter.isTrainable {
            seed += 1
            parameter.value = Compare.randomTensor(parameter.shape, seed: seed).scaled(by: 0.2)
        }
        let counts = Self.fastSteps(InferenceForward.step(for: network, method: method))
        // 2 × 2 block convs, trunk, 2 upsampling convs; the tail.
        #expect(counts.sameSize == 7 && counts.fewOutputs == 1, "\(counts)")
        let x = Compare.randomTensor([1, 3, 9, 13], seed: 39)
        let expected = network(x, phase: .inference)
        let fast = InferenceForward.make(network, method: method)(x)
        #expect(fast.shape == [1, 3, 36, 52] && expected.shape == fast.shape)
        let size = expected.scalars.map { Swift.abs($0) }.max() ?? 1
        #expect(fast.maxAbsoluteDifference(expected) <= 1e-4 * Swift.max(1, size), "\(method.map(\.rawValue) ?? "rule")")
    }
}
