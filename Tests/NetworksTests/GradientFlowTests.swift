import Layers
import Networks
import Tensors
import TestSupport
import Testing

/// Gradients reach every trainable parameter of each network and no running statistic. (Their
/// values are compared with PyTorch autograd in `ParityTests.gradientsMatchPyTorch`; finite
/// differences through ReLU kinks and 2×2 instance norms are too noisy to check whole networks.)
@Suite struct GradientFlowTests {
    static let specs: [NetworkSpec] = [
        .generator(.resnet6, baseFilters: 2, norm: .batch, dropout: true),
        .generator(.unet256, baseFilters: 1, norm: .instance),
        .generator(.srresnet, baseFilters: 4),
        .discriminator(.basic, inputChannels: 6, baseFilters: 2, norm: .batch),
        .discriminator(.pixel, baseFilters: 2, norm: .none),
        .discriminator(.srgan, baseFilters: 2, imageSize: 16),
        .features(.vgg19, baseFilters: 1),
    ]

    @Test(arguments: specs) func everyTrainableParameterGetsAGradient(_ spec: NetworkSpec) {
        let network = spec.makeNetwork()
        var generator = SeededGenerator(seed: 4)
        initializeWeights(network, using: &generator)
        let side: Int
        switch spec.kind {
        case .generator(.unet256): side = 256
        case .generator(.srresnet): side = 4
        case .discriminator(.srgan): side = 16
        default: side = 32
        }
        let batch = spec.kind == .generator(.unet256) ? 1 : 2
        let output = network(Compare.randomTensor([batch, spec.inputChannels, side, side], seed: 5), phase: .training)
        output.squared().mean().backward()
        for (name, parameter) in network.namedParameters {
            if parameter.isTrainable {
                #expect(parameter.gradient != nil, "\(name) got no gradient")
                #expect(parameter.gradient.map { !$0.hasNonFinite } ?? false)
            } else {
                #expect(parameter.gradient == nil, "\(name) is a running statistic but got a gradient")
            }
        }
    }

    @Test func frozenNetworksRecordNoGraph() {
        let network = NetworkSpec.discriminator(.basic, baseFilters: 2).makeNetwork()
        network.setRequiresGradient(false)
        let output = network(Compare.randomTensor([1, 3, 32, 32], seed: 6), phase: .training)
        #expect(!output.requiresGradient)
    }
}
