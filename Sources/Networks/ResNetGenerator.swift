import Layers
import Tensors

/// ResNet generator (Johnson et al. 2016, as used by CycleGAN): a 7×7 conv, two stride-2
/// downsamplings, `blocks` residual blocks, two transposed-conv upsamplings, a 7×7 conv and tanh.
///
/// Input `[N, inputChannels, H, W]`, output `[N, outputChannels, H, W]` in [−1, 1]; H and W should be
/// multiples of 4. State-dict keys are the reference's `ResnetGenerator`: `model.1.weight` (first
/// conv, after the pad at `model.0`), `model.10.conv_block.1.weight`, …
public final class ResNetGenerator: Layer {
    public let model: Sequential

    /// - Parameters:
    ///   - baseFilters: `ngf`, the width of the first conv (64 in the reference).
    ///   - norm: the normalization; convs before it have a bias only for `.instance` (reference rule).
    ///   - dropout: dropout 0.5 inside each residual block (shifts the second conv to `conv_block.6`).
    ///   - blocks: residual blocks at the lowest resolution (6 or 9 in the reference).
    ///   - dropoutSource: where the dropout masks come from.
    public init(inputChannels: Int, outputChannels: Int, baseFilters: Int = 64, norm: NormKind = .instance,
                dropout: Bool = false, blocks: Int = 9, dropoutSource: RandomSource = .shared) {
        precondition(blocks >= 0, "ResNetGenerator: blocks must be non-negative, got \(blocks)")
        let bias = norm.convolutionsHaveBias
        var layers: [any Layer] = [
            ReflectionPad2D(padding: 3),
            Conv2D(inputChannels: inputChannels, outputChannels: baseFilters, kernelSize: 7, bias: bias),
            norm.makeLayer(channels: baseFilters),
            ReLU(),
        ]
        for level in 0..<2 {
            let width = baseFilters << level
            layers += [
                Conv2D(inputChannels: width, outputChannels: width * 2, kernelSize: 3, stride: 2, padding: 1, bias: bias),
                norm.makeLayer(channels: width * 2),
                ReLU(),
            ]
        }
        for _ in 0..<blocks {
            layers.append(ResNetBlock(channels: baseFilters * 4, norm: norm, dropout: dropout, bias: bias,
                                      dropoutSource: dropoutSource))
        }
        for level in 0..<2 {
            let width = baseFilters << (2 - level)
            layers += [
                ConvTranspose2D(inputChannels: width, outputChannels: width / 2, kernelSize: 3, stride: 2, padding: 1,
                                outputPadding: 1, bias: bias),
                norm.makeLayer(channels: width / 2),
                ReLU(),
            ]
        }
        layers += [
            ReflectionPad2D(padding: 3),
            Conv2D(inputChannels: baseFilters, outputChannels: outputChannels, kernelSize: 7),  // always with bias
            Tanh(),
        ]
        model = Sequential(layers)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { model(input, phase: phase) }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        model.forEachParameter(prefix: prefix + "model.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        model.forEachLayer(body)
    }
}

/// `x + F(x)` with `F` = pad, 3×3 conv, norm, ReLU, [dropout], pad, 3×3 conv, norm (the reference's
/// `ResnetBlock` with reflection padding). Keys `conv_block.1.*` and `conv_block.5.*` (`.6.*` with dropout).
public final class ResNetBlock: Layer {
    public let convBlock: Sequential

    public init(channels: Int, norm: NormKind, dropout: Bool, bias: Bool, dropoutSource: RandomSource = .shared) {
        var layers: [any Layer] = [
            ReflectionPad2D(padding: 1),
            Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, bias: bias),
            norm.makeLayer(channels: channels),
            ReLU(),
        ]
        if dropout { layers.append(Dropout(probability: 0.5, source: dropoutSource)) }
        layers += [
            ReflectionPad2D(padding: 1),
            Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, bias: bias),
            norm.makeLayer(channels: channels),
        ]
        convBlock = Sequential(layers)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input + convBlock(input, phase: phase) }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        convBlock.forEachParameter(prefix: prefix + "conv_block.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        convBlock.forEachLayer(body)
    }
}
