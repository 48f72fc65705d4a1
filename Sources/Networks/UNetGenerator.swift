import Layers
import Tensors

/// U-Net generator (Ronneberger et al. 2015; pix2pix, Isola et al. 2017 §3.2.1): `downsamplings`
/// stride-2 4×4 convs down to 1×1 at the bottleneck and transposed convs back up, each level's
/// output concatenated with its input (skip connection).
///
/// Input `[N, inputChannels, H, W]` with H and W multiples of 2^downsamplings (256 for `unet_256`),
/// output `[N, outputChannels, H, W]` in [−1, 1]. Keys are the reference's `UnetGenerator`:
/// `model.model.0.weight`, `model.model.1.model.1.weight`, …
public final class UNetGenerator: Layer {
    /// The outermost block; the others nest inside it.
    public let model: UNetSkipBlock
    public let downsamplings: Int

    /// - Parameters:
    ///   - downsamplings: 7 for `unet_128`, 8 for `unet_256`; at least 5.
    ///   - baseFilters: `ngf`; widths are ngf, 2ngf, 4ngf, then 8ngf for every deeper level.
    ///   - dropout: dropout 0.5 in the innermost `downsamplings − 5` non-innermost 8ngf levels (pix2pix).
    ///   - dropoutSource: where the dropout masks come from.
    public init(inputChannels: Int, outputChannels: Int, downsamplings: Int, baseFilters: Int = 64,
                norm: NormKind = .batch, dropout: Bool = true, dropoutSource: RandomSource = .shared) {
        precondition(downsamplings >= 5, "UNetGenerator: needs at least 5 downsamplings, got \(downsamplings)")
        self.downsamplings = downsamplings
        let ngf = baseFilters
        var block = UNetSkipBlock(outerChannels: ngf * 8, innerChannels: ngf * 8, submodule: nil, position: .innermost,
                                  norm: norm, dropout: false)
        for _ in 0 ..< downsamplings - 5 {
            block = UNetSkipBlock(outerChannels: ngf * 8, innerChannels: ngf * 8, submodule: block, position: .middle,
                                  norm: norm, dropout: dropout, dropoutSource: dropoutSource)
        }
        block = UNetSkipBlock(outerChannels: ngf * 4, innerChannels: ngf * 8, submodule: block, position: .middle, norm: norm, dropout: false)
        block = UNetSkipBlock(outerChannels: ngf * 2, innerChannels: ngf * 4, submodule: block, position: .middle, norm: norm, dropout: false)
        block = UNetSkipBlock(outerChannels: ngf, innerChannels: ngf * 2, submodule: block, position: .middle, norm: norm, dropout: false)
        model = UNetSkipBlock(outerChannels: outputChannels, innerChannels: ngf, inputChannels: inputChannels,
                              submodule: block, position: .outermost, norm: norm, dropout: false)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let factor = 1 << downsamplings
        precondition(input.shape.rank == 4 && input.shape[2] % factor == 0 && input.shape[3] % factor == 0,
                     "UNetGenerator: H and W must be multiples of \(factor) for \(downsamplings) downsamplings, got \(input.shape)")
        return model(input, phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        model.forEachParameter(prefix: prefix + "model.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        model.forEachLayer(body)
    }
}

/// One U-Net level: down (LeakyReLU 0.2, conv 4×4 s2, norm), the inner block, up (ReLU, transposed
/// conv 4×4 s2, norm, [dropout]), and `concat(x, up)` along channels except at the outermost level.
/// Its layers sit in `model` at the reference's indices; the inner block is one of them.
public final class UNetSkipBlock: Layer {
    public enum Position: Sendable { case outermost, middle, innermost }

    public let position: Position
    public let model: Sequential
    /// The next level down, nil at the innermost level.
    public let submodule: UNetSkipBlock?

    /// - Parameters:
    ///   - outerChannels: channels this block returns to (before the skip concat).
    ///   - innerChannels: channels of its down conv's output.
    ///   - inputChannels: channels it receives; `outerChannels` unless outermost.
    public init(outerChannels: Int, innerChannels: Int, inputChannels: Int? = nil, submodule: UNetSkipBlock?,
                position: Position, norm: NormKind, dropout: Bool, dropoutSource: RandomSource = .shared) {
        precondition((position == .innermost) == (submodule == nil), "UNetSkipBlock: only the innermost block lacks a submodule")
        self.position = position
        self.submodule = submodule
        let bias = norm.convolutionsHaveBias
        let downConv = Conv2D(inputChannels: inputChannels ?? outerChannels, outputChannels: innerChannels, kernelSize: 4,
                              stride: 2, padding: 1, bias: bias)
        switch position {
        case .outermost:
            // [N, 2·ngf, H/2, W/2] from the inner block's concat → [N, out, H, W]; this ConvT keeps its bias.
            let upConv = ConvTranspose2D(inputChannels: innerChannels * 2, outputChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1)
            model = Sequential([downConv, submodule!, ReLU(), upConv, Tanh()])
        case .innermost:
            let upConv = ConvTranspose2D(inputChannels: innerChannels, outputChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1, bias: bias)
            model = Sequential([LeakyReLU(slope: 0.2), downConv, ReLU(), upConv, norm.makeLayer(channels: outerChannels)])
        case .middle:
            let upConv = ConvTranspose2D(inputChannels: innerChannels * 2, outputChannels: outerChannels, kernelSize: 4,
                                         stride: 2, padding: 1, bias: bias)
            var layers: [any Layer] = [
                LeakyReLU(slope: 0.2), downConv, norm.makeLayer(channels: innerChannels), submodule!,
                ReLU(), upConv, norm.makeLayer(channels: outerChannels),
            ]
            if dropout { layers.append(Dropout(probability: 0.5, source: dropoutSource)) }
            model = Sequential(layers)
        }
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        if position == .outermost { return model(input, phase: phase) }
        // [N, C_in + C_outer, H, W] after the skip concat.
        return input.concatenated(with: model(input, phase: phase), alongAxis: 1)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        model.forEachParameter(prefix: prefix + "model.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        model.forEachLayer(body)
    }
}
