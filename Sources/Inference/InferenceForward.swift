import Layers
import Networks
import Tensors

/// A generator's forward pass for inference, with every same-size 3×3 convolution (a
/// `ReflectionPad2D(1)` followed by a 3×3 `Conv2D`, or a 3×3 `Conv2D` with padding 1) computed by
/// Winograd F(4×4, 3×3) on weights transformed once. In resnet_9blocks these are the 18 residual
/// convolutions, 88 % of its multiply-adds; Winograd does them with 4× fewer multiplies. In
/// SRResNet they are the block, trunk and upsampling convolutions. The last
/// layer (64 → 3 channels) runs as a direct loop instead of a 3-row gemm. Other layers run as
/// they are, in `.inference` phase. Results equal the plain forward pass up to float
/// rounding (about 1e-6 relative per convolution).
package enum InferenceForward {
    package indirect enum Step {
        case layer(any Layer)
        case winograd(WinogradWeights, PaddingMode)
        /// A stride-1, unpadded convolution with at most 3 output channels, by the direct loop.
        case fewOutputs(weight: Tensor, bias: Tensor?)
        case sequence([Step])
        /// `x + body(x)`: a ResNet block.
        case residual([Step])
    }

    /// The forward pass of `network`; with `fastConvolutions` false, just `network(x, phase: .inference)`.
    package static func make(_ network: any Layer, fastConvolutions: Bool = true) -> (Tensor) -> Tensor {
        guard fastConvolutions else { return { network($0, phase: .inference) } }
        let plan = step(for: network)
        return { run(plan, $0) }
    }

    /// The steps of `layer`, looking inside the containers the generators are built from.
    package static func step(for layer: any Layer) -> Step {
        switch layer {
        case let generator as ResNetGenerator: return step(for: generator.model)
        case let network as SRResNet:
            // head, then the long skip around the blocks and the trunk conv + BN, upsampling, tail.
            return .sequence([step(for: network.head),
                              .residual(steps(network.body.layers) + steps(network.trunk.layers)),
                              step(for: network.upsample), step(for: network.tail)])
        case let block as SRResidualBlock:
            return .residual([step(for: block.conv1), .layer(block.bn1), .layer(block.prelu), step(for: block.conv2),
                              .layer(block.bn2)])
        case let block as ResNetBlock: return .residual(steps(block.convBlock.layers))
        case let sequential as Sequential: return .sequence(steps(sequential.layers))
        case let conv as Conv2D where isSameSize3x3(conv, padding: 1):
            return .winograd(WinogradWeights(weight: conv.weight.value, bias: conv.bias?.value), .zero)
        case let conv as Conv2D where conv.outputChannels <= 3 && conv.inputChannels >= 8 && conv.stride == 1
            && conv.padding == 0:
            // A generator's last layer (64 → 3, 7×7): too thin for im2col + gemm.
            return .fewOutputs(weight: conv.weight.value, bias: conv.bias?.value)
        default: return .layer(layer)
        }
    }

    /// Steps of a layer list, fusing each `ReflectionPad2D(1)` with the 3×3 convolution after it.
    static func steps(_ layers: [any Layer]) -> [Step] {
        var result: [Step] = []
        var index = 0
        while index < layers.count {
            if let pad = layers[index] as? ReflectionPad2D, pad.padding == 1, index + 1 < layers.count,
               let conv = layers[index + 1] as? Conv2D, isSameSize3x3(conv, padding: 0) {
                result.append(.winograd(WinogradWeights(weight: conv.weight.value, bias: conv.bias?.value), .reflect))
                index += 2
            } else {
                result.append(step(for: layers[index]))
                index += 1
            }
        }
        return result
    }

    static func isSameSize3x3(_ conv: Conv2D, padding: Int) -> Bool {
        conv.kernelSize == 3 && conv.stride == 1 && conv.padding == padding
    }

    package static func run(_ step: Step, _ input: Tensor) -> Tensor {
        switch step {
        case .layer(let layer): return layer(input, phase: .inference)
        case .winograd(let weights, let padding): return input.winogradConvolved(weights, padding: padding)
        case .fewOutputs(let weight, let bias): return input.directConvolved(weight: weight, bias: bias)
        case .sequence(let steps): return steps.reduce(input) { run($1, $0) }
        case .residual(let steps): return input + steps.reduce(input) { run($1, $0) }
        }
    }
}
