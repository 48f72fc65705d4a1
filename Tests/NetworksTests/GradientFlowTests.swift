import Foundation
import Layers
import Networks
import Tensors
import TestSupport
import Testing

/// Gradients reach every trainable parameter of each network and no running statistic, and each
/// parameter's gradient has the right size: moving that parameter along its own gradient changes the
/// loss at the rate |g| (a central-difference probe in `Double`, one direction per parameter, which
/// stays clear of the ReLU-kink noise that makes element-wise checks of whole networks useless).
/// Element-wise values are compared with PyTorch autograd in `ParityTests.gradientsMatchPyTorch`.
@Suite struct GradientFlowTests {
    static let specs: [NetworkSpec] = [
        .generator(.resnet6, baseFilters: 2, norm: .batch, dropout: true),
        .generator(.unet256, baseFilters: 1, norm: .instance),
        .generator(.srresnet, baseFilters: 4),
        .discriminator(.basic, inputChannels: 6, baseFilters: 2, norm: .batch),
        .discriminator(.pixel, baseFilters: 2, norm: .none),
        // 32², so its last batch norms average 2·2·2 values: over 2 values batch norm is a smoothed
        // sign function, too curved for a finite-difference probe.
        .discriminator(.srgan, baseFilters: 2, imageSize: 32),
        .features(.vgg19, baseFilters: 1),
    ]

    @Test(arguments: specs) func everyTrainableParameterGetsTheRightGradient(_ spec: NetworkSpec) {
        // Dropout masks from a source of the test's own, reset before every forward pass, so the
        // finite differences see the same function the gradient was taken of.
        let dropout = RandomSource(seed: 9)
        let network = spec.makeNetwork(dropoutSource: dropout)
        var generator = SeededGenerator(seed: 4)
        // VGG19 under the reference's N(0, 0.02) init shrinks its signal ~10× per layer (1e-35 at
        // the end); Kaiming keeps it alive, as pretrained weights do.
        initializeWeights(network, spec.kind == .features(.vgg19) ? .kaiming(gain: 0.02) : .reference,
                          using: &generator)
        let side: Int
        switch spec.kind {
        case .generator(.unet256): side = 256
        case .generator(.srresnet): side = 4
        default: side = 32
        }
        let batch = spec.kind == .generator(.unet256) ? 1 : 2
        let input = Compare.randomTensor([batch, spec.inputChannels, side, side], seed: 5)
        func forward() -> Tensor {
            dropout.generator = SeededGenerator(seed: 9)
            return network(input, phase: .training)
        }
        /// mean(output²) accumulated in Double.
        func loss() -> Double {
            let values = forward().scalars
            return values.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(values.count)
        }
        forward().squared().mean().backward()
        var probed: [(name: String, parameter: Parameter, gradient: [Double], norm: Double)] = []
        for (name, parameter) in network.namedParameters {
            guard parameter.isTrainable else {
                #expect(parameter.gradient == nil, "\(name) is a running statistic but got a gradient")
                continue
            }
            guard let gradient = parameter.gradient else {
                Issue.record("\(name) got no gradient")
                continue
            }
            #expect(!gradient.hasNonFinite, "\(name): non-finite gradient")
            let g = gradient.scalars.map(Double.init)
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(norm > 0, "\(name): zero gradient")
            if norm > 0 && norm.isFinite { probed.append((name, parameter, g, norm)) }
        }
        // Gradients below 1% of the network's largest are often noise around a true zero (a conv bias
        // followed by a norm layer, whose mean subtraction cancels it): there the probe only
        // checks that the loss does not move either.
        let floor = 1e-2 * (probed.map(\.norm).max() ?? 0)
        for (name, parameter, g, norm) in probed {
            // d/dt L(θ + t·g/|g|) at t = 0 is |g|; t is 0.1% of the parameter's norm (at least 1e-4,
            // for biases that start at 0: smaller steps drown in Float rounding).
            let original = parameter.value
            let values = original.scalars
            let size = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let step = 1e-3 * Swift.max(size, 0.1)
            func shifted(_ t: Double) -> Double {
                let moved = (0..<values.count).map { Float(Double(values[$0]) + t * g[$0] / norm) }
                parameter.value = Tensor(shape: original.shape, scalars: moved)
                return loss()
            }
            let numeric = (shifted(step) - shifted(-step)) / (2 * step)
            parameter.value = original
            let error = Swift.abs(numeric - norm) / (norm + floor)
            #expect(error < Self.tolerance, "\(name): |g| \(norm), finite difference \(numeric) (step \(step))")
            Self.worst.record(spec: "\(spec.kind)", name: name, error: error,
                              detail: "|g| \(norm) fd \(numeric) step \(step) floor \(floor)")
        }
    }

    @Test func frozenNetworksRecordNoGraph() {
        let network = NetworkSpec.discriminator(.basic, baseFilters: 2).makeNetwork()
        network.setRequiresGradient(false)
        let output = network(Compare.randomTensor([1, 3, 32, 32], seed: 6), phase: .training)
        #expect(!output.requiresGradient)
    }
}

extension GradientFlowTests {
    /// Relative tolerance of the directional probe. The worst case measured is 6.5% (a U-Net conv:
    /// ReLU kinks and instance norm curvature within the step); a wrong sign, a missing term or a
    /// gradient landing on the wrong parameter is off by far more.
    static let tolerance = 0.1

    /// The worst probe errors, printed with `GRADIENT_FLOW_REPORT=1` (to see how much margin the tolerance has).
    final class Worst: @unchecked Sendable {
        private let lock = NSLock()
        func record(spec: String, name: String, error: Double, detail: String) {
            guard ProcessInfo.processInfo.environment["GRADIENT_FLOW_REPORT"] != nil else { return }
            lock.lock()
            defer { lock.unlock() }
            print(String(format: "gradient probe %@ %@: %.2e ", spec, name, error) + detail)
        }
    }
    static let worst = Worst()
}
