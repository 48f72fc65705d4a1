import Layers
import Tensors

/// SRResNet, the SRGAN generator (Ledig et al. 2017, Fig. 4): a 9×9 conv and PReLU, `blocks`
/// residual blocks (3×3 conv, BN, PReLU, 3×3 conv, BN, skip), a 3×3 conv and BN with a long skip,
/// log2(scale) sub-pixel upsamplers (3×3 conv to 4·C, pixel shuffle ×2, PReLU) and a 9×9 conv.
///
/// Input `[N, inputChannels, h, w]` (LR, in [0, 1] in the paper), output
/// `[N, outputChannels, scale·h, scale·w]` (HR, no output activation). PReLUs have one slope per
/// channel. Keys: `head.0.*` (conv), `head.1.weight` (PReLU), `body.<i>.{conv1,bn1,prelu,conv2,bn2}.*`,
/// `trunk.0.*` (conv), `trunk.1.*` (BN), `upsample.<3j>.*` (conv), `upsample.<3j+2>.weight` (PReLU), `tail.*`.
public final class SRResNet: Layer {
    public let head: Sequential
    public let body: Sequential
    public let trunk: Sequential
    public let upsample: Sequential
    public let tail: Conv2D
    public let scale: Int

    /// - Parameters:
    ///   - baseFilters: feature width (64 in the paper).
    ///   - blocks: residual blocks (B = 16 in the paper).
    ///   - scale: 2, 4 or 8 (a power of two; one pixel-shuffle stage per factor 2).
    ///   - norm: `.batch` as in the paper, or `.none` (convs keep their biases either way).
    public init(inputChannels: Int = 3, outputChannels: Int = 3, baseFilters: Int = 64, blocks: Int = 16, scale: Int = 4,
                norm: NormKind = .batch) {
        precondition(scale >= 2 && scale & (scale - 1) == 0, "SRResNet: scale must be a power of two ≥ 2, got \(scale)")
        precondition(blocks >= 0, "SRResNet: blocks must be non-negative, got \(blocks)")
        precondition(norm != .instance, "SRResNet: norm must be batch or none")
        self.scale = scale
        let nf = baseFilters
        head = Sequential([Conv2D(inputChannels: inputChannels, outputChannels: nf, kernelSize: 9, padding: 4), PReLU(channels: nf)])
        body = Sequential((0..<blocks).map { _ in SRResidualBlock(channels: nf, norm: norm) })
        trunk = Sequential([Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1), norm.makeLayer(channels: nf)])
        var stages: [any Layer] = []
        var factor = scale
        while factor > 1 {
            stages += [Conv2D(inputChannels: nf, outputChannels: nf * 4, kernelSize: 3, padding: 1), PixelShuffle(upscaleFactor: 2),
                       PReLU(channels: nf)]
            factor /= 2
        }
        upsample = Sequential(stages)
        tail = Conv2D(inputChannels: nf, outputChannels: outputChannels, kernelSize: 9, padding: 4)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let features = head(input, phase: phase)
        let deep = trunk(body(features, phase: phase), phase: phase) + features  // the long skip
        return tail(upsample(deep, phase: phase), phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        head.forEachParameter(prefix: prefix + "head.", body)
        self.body.forEachParameter(prefix: prefix + "body.", body)
        trunk.forEachParameter(prefix: prefix + "trunk.", body)
        upsample.forEachParameter(prefix: prefix + "upsample.", body)
        tail.forEachParameter(prefix: prefix + "tail.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for part in [head, self.body, trunk, upsample, tail] as [any Layer] { part.forEachLayer(body) }
    }
}

/// `x + BN(conv(PReLU(BN(conv(x)))))`, the SRResNet residual block.
public final class SRResidualBlock: Layer {
    public let conv1: Conv2D
    public let bn1: any Layer
    public let prelu: PReLU
    public let conv2: Conv2D
    public let bn2: any Layer

    public init(channels: Int, norm: NormKind = .batch) {
        conv1 = Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1)
        bn1 = norm.makeLayer(channels: channels)
        prelu = PReLU(channels: channels)
        conv2 = Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1)
        bn2 = norm.makeLayer(channels: channels)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let hidden = prelu(bn1(conv1(input, phase: phase), phase: phase), phase: phase)
        return input + bn2(conv2(hidden, phase: phase), phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        conv1.forEachParameter(prefix: prefix + "conv1.", body)
        bn1.forEachParameter(prefix: prefix + "bn1.", body)
        prelu.forEachParameter(prefix: prefix + "prelu.", body)
        conv2.forEachParameter(prefix: prefix + "conv2.", body)
        bn2.forEachParameter(prefix: prefix + "bn2.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for part in [conv1, bn1, prelu, conv2, bn2] as [any Layer] { part.forEachLayer(body) }
    }
}
