import Foundation
import Layers
import Networks
import Tensors

/// A generator's forward pass for inference, with every same-size 3×3 convolution (a
/// `ReflectionPad2D(1)` followed by a 3×3 `Conv2D`, or a 3×3 `Conv2D` with padding 1) computed by
/// our Winograd F(4×4, 3×3) or oneDNN's Winograd convolution, by a fixed rule on its channels
/// (`SameSizeConvolution`), on weights transformed once. In resnet_9blocks these are the 18 residual
/// convolutions, 88 % of its multiply-adds; Winograd does them with 4× fewer multiplies. In
/// SRResNet they are the block, trunk and upsampling convolutions; in RRDBNet (Real-ESRGAN) all of
/// them. A last layer with few outputs that is not a same-size 3×3 (64 → 3 channels; 7×7 unpadded
/// after a reflection pad, SRResNet's 9×9 with zero padding 4) runs as a direct loop instead of a
/// 3-row gemm. Other layers run as they are, in `.inference` phase. Results equal the plain
/// forward pass up to float rounding (about 1e-6 relative per convolution).
package enum InferenceForward {
    package indirect enum Step {
        case layer(any Layer)
        case sameSize3x3(SameSizeConvolution)
        /// A stride-1, zero-padded convolution with at most 3 output channels, by the direct loop.
        case fewOutputs(weight: Tensor, bias: Tensor?, padding: Int)
        case sequence([Step])
        /// `x + body(x)`: a ResNet block.
        case residual([Step])
        /// `body(x) · scale + x`: RRDBNet's residual dense blocks and RRDBs (scale 0.2).
        case scaledResidual([Step], scale: Float)
        /// Dense connections: each step sees the channel concatenation of `x` and every earlier
        /// step's output; the result is that concatenation including the last step's output.
        case dense([Step])
        /// A parameter-free tensor operation (nearest upsampling, pixel unshuffle).
        case operation((Tensor) -> Tensor)
    }

    /// The forward pass of `network`; with `fastConvolutions` false, just `network(x, phase: .inference)`.
    /// - Parameter method: run every same-size 3×3 convolution by this method instead of the fastest
    ///   measured one (tests).
    package static func make(
        _ network: any Layer, fastConvolutions: Bool = true, method: SameSizeConvolution.Method? = nil
    ) -> (Tensor) -> Tensor {
        guard fastConvolutions else { return { network($0, phase: .inference) } }
        let plan = step(for: network, method: method)
        return { run(plan, $0) }
    }

    /// The steps of `layer`, looking inside the containers the generators are built from.
    package static func step(for layer: any Layer, method: SameSizeConvolution.Method? = nil) -> Step {
        switch layer {
        case let generator as ResNetGenerator: return step(for: generator.model, method: method)
        case let network as SRResNet:
            // head, then the long skip around the blocks and the trunk conv + BN, upsampling, tail.
            return .sequence([step(for: network.head, method: method),
                              .residual(steps(network.body.layers, method: method) + steps(network.trunk.layers, method: method)),
                              step(for: network.upsample, method: method), step(for: network.tail, method: method)])
        case let block as SRResidualBlock:
            return .residual([step(for: block.conv1, method: method), .layer(block.bn1), .layer(block.prelu),
                              step(for: block.conv2, method: method), .layer(block.bn2)])
        case let block as ResNetBlock: return .residual(steps(block.convBlock.layers, method: method))
        case let network as RRDBNet: return rrdbNetStep(network, method: method)
        case let block as RRDB:
            return .scaledResidual([block.rdb1, block.rdb2, block.rdb3].map { step(for: $0, method: method) }, scale: 0.2)
        case let block as ResidualDenseBlock:
            // convs 1–4 each followed by LeakyReLU(0.2) and densely connected, then conv 5.
            let leaky = LeakyReLU(slope: 0.2)
            let grown = block.convs.prefix(4).map { Step.sequence([step(for: $0, method: method), .layer(leaky)]) }
            return .scaledResidual([.dense(grown), step(for: block.convs[4], method: method)], scale: 0.2)
        case let sequential as Sequential: return .sequence(steps(sequential.layers, method: method))
        case let conv as Conv2D where isSameSize3x3(conv, padding: 1):
            return .sameSize3x3(SameSizeConvolution(conv, padding: .zero, method: method))
        case let conv as Conv2D where conv.outputChannels <= 3 && conv.inputChannels >= 8 && conv.stride == 1:
            // A generator's last layer (64 → 3, 7×7 or 9×9): too thin for im2col + gemm.
            return .fewOutputs(weight: conv.weight.value, bias: conv.bias?.value, padding: conv.padding)
        default: return .layer(layer)
        }
    }

    /// RRDBNet as its `callAsFunction`: pixel unshuffle (scales 1, 2), `conv_first`, the RRDBs and
    /// `conv_body` with the long skip, two nearest ×2 upsamplings each with a conv and LeakyReLU,
    /// `conv_hr` with LeakyReLU, `conv_last`.
    static func rrdbNetStep(_ network: RRDBNet, method: SameSizeConvolution.Method?) -> Step {
        let leaky = Step.layer(LeakyReLU(slope: 0.2))
        let upsample = Step.operation { $0.upsampledNearest(factor: 2) }
        var plan: [Step] = []
        if network.scale != 4 {
            let factor = network.scale == 2 ? 2 : 4
            plan.append(.operation { $0.pixelUnshuffled(downscaleFactor: factor) })
        }
        plan += [step(for: network.convFirst, method: method),
                 .residual(network.body.layers.map { step(for: $0, method: method) } + [step(for: network.convBody, method: method)]),
                 upsample, step(for: network.convUp1, method: method), leaky,
                 upsample, step(for: network.convUp2, method: method), leaky,
                 step(for: network.convHR, method: method), leaky, step(for: network.convLast, method: method)]
        return .sequence(plan)
    }

    /// Steps of a layer list, fusing each `ReflectionPad2D(1)` with the 3×3 convolution after it.
    static func steps(_ layers: [any Layer], method: SameSizeConvolution.Method?) -> [Step] {
        var result: [Step] = []
        var index = 0
        while index < layers.count {
            if let pad = layers[index] as? ReflectionPad2D, pad.padding == 1, index + 1 < layers.count,
               let conv = layers[index + 1] as? Conv2D, isSameSize3x3(conv, padding: 0) {
                result.append(.sameSize3x3(SameSizeConvolution(conv, padding: .reflect, method: method)))
                index += 2
            } else {
                result.append(step(for: layers[index], method: method))
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
        case .sameSize3x3(let conv): return conv(input)
        case .fewOutputs(let weight, let bias, let padding):
            return input.directConvolved(weight: weight, bias: bias, padding: padding)
        case .sequence(let steps): return steps.reduce(input) { run($1, $0) }
        case .residual(let steps): return input + steps.reduce(input) { run($1, $0) }
        case .scaledResidual(let steps, let scale): return steps.reduce(input) { run($1, $0) } * scale + input
        case .dense(let steps):
            var seen = [input]
            for step in steps {
                seen.append(run(step, seen.count == 1 ? input : Tensor.concatenate(seen, alongAxis: 1)))
            }
            return Tensor.concatenate(seen, alongAxis: 1)
        case .operation(let operation): return operation(input)
        }
    }
}

/// A same-size 3×3 convolution (reflect or zero padding 1) for inference, by our Winograd F(4×4, 3×3)
/// or by oneDNN's Winograd convolution, chosen by a fixed rule on the layer's channels (`method(for:)`)
/// so that a run's bytes never depend on timing. Both run image by image, so a batch gives the same
/// bytes as its images one by one. Each method's transformed weights are made on first use.
package final class SameSizeConvolution: @unchecked Sendable {
    package enum Method: String, CaseIterable, Sendable {
        case ourWinograd, dnnlDirect, dnnlWinograd
    }

    /// The largest plane (height × width) given to oneDNN's Winograd by the rule (1024²).
    static let dnnlPlaneLimit = 1 << 20

    let padding: PaddingMode
    let forced: Method?
    let dnnlWeights: DNNLConvolutionWeights
    private let lock = NSLock()
    private var winogradWeights: WinogradWeights?

    init(_ conv: Conv2D, padding: PaddingMode, method: Method?) {
        self.padding = padding
        forced = method
        dnnlWeights = DNNLConvolutionWeights(weight: conv.weight.value, bias: conv.bias?.value)
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        run(input, forced ?? method(for: input))
    }

    /// oneDNN's Winograd where it offers one (AVX-512) and the layer has at most 64 input and output
    /// channels, else ours. bench-kernels --inference, 1 thread, Ice Lake Xeon, weights prepared once (CPU ms
    /// per call = wall × cpu/wall, machine shared), ours / oneDNN Winograd / oneDNN direct: 64→64 @256²
    /// 53.1 / 30.9 / 43.3; 64→64 @96² 6.6 / 3.9 / 7.6; 4×64→64 @96² 29.3 / 17.4 / 24.1; 128→128 @128²
    /// 26.6 / 41.3 / 38.8; 256→256 @64² 26.8 / 32.0 / 42.6; 512→512 @16² 9.3 / 7.6 / 10.7 (too close to
    /// change the rule for). Planes above `dnnlPlaneLimit` pixels take ours: oneDNN's Winograd holds
    /// transformed copies of the whole plane (RRDBNet ×4 on a 619² tile, whose last convolutions run at
    /// 2476², peaked at 5.9 GiB RSS with it against 3.8 GiB for im2col + gemm), ours works in blocks of
    /// tile rows.
    func method(for input: Tensor) -> Method {
        let (n, c, h, w) = input.shape.nchw
        guard c <= 64 && dnnlWeights.weight.shape[0] <= 64 && h * w <= Self.dnnlPlaneLimit else { return .ourWinograd }
        let shape: Shape = padding == .reflect ? [n, c, h + 2, w + 2] : [n, c, h, w]
        return dnnlWeights.offersWinograd(on: shape, padding: padding == .reflect ? 0 : 1) ? .dnnlWinograd : .ourWinograd
    }

    /// The convolution by `method`.
    func run(_ input: Tensor, _ method: Method) -> Tensor {
        switch method {
        case .ourWinograd:
            return input.winogradConvolved(winograd(), padding: padding)
        case .dnnlDirect, .dnnlWinograd:
            // oneDNN pads with zeros only; reflection stays our op.
            let padded = padding == .reflect ? input.padded(by: 1, mode: .reflect) : input
            let zeros = padding == .reflect ? 0 : 1
            // Where oneDNN offers no Winograd, `.dnnlWinograd` runs its direct convolution.
            let winograd = method == .dnnlWinograd && dnnlWeights.offersWinograd(on: padded.shape, padding: zeros)
            return padded.dnnlConvolved(dnnlWeights, padding: zeros, winograd: winograd, imageByImage: true)
        }
    }

    private func winograd() -> WinogradWeights {
        lock.lock()
        defer { lock.unlock() }
        if let winogradWeights { return winogradWeights }
        let made = WinogradWeights(weight: dnnlWeights.weight, bias: dnnlWeights.bias)
        winogradWeights = made
        return made
    }
}
