import Layers
import Tensors

/// PatchGAN discriminator (Isola et al. 2017, §3.2.2), the reference's `NLayerDiscriminator`:
/// 4×4 convs with LeakyReLU 0.2, `layers` of them at stride 2 then two at stride 1, one logit per patch.
///
/// Input `[N, inputChannels, H, W]` (pix2pix feeds `concat(A, B)`), output `[N, 1, H', W']` of
/// logits (no sigmoid; the GAN loss applies it). With 3 layers (`basic`) a 256² input gives 30×30
/// patches of 70×70 receptive field. Keys `model.0.weight`, `model.2.weight`, … as the reference.
public final class PatchDiscriminator: Layer {
    public let model: Sequential

    /// - Parameters:
    ///   - baseFilters: `ndf` (64); widths double per layer up to 8·ndf.
    ///   - layers: `n_layers_D` (3 for `basic`).
    public init(inputChannels: Int, baseFilters: Int = 64, layers: Int = 3, norm: NormKind = .instance) {
        precondition(layers >= 0, "PatchDiscriminator: layers must be non-negative, got \(layers)")
        let bias = norm.convolutionsHaveBias
        let ndf = baseFilters
        var sequence: [any Layer] = [
            Conv2D(inputChannels: inputChannels, outputChannels: ndf, kernelSize: 4, stride: 2, padding: 1),
            LeakyReLU(slope: 0.2),
        ]
        var multiplier = 1
        for n in stride(from: 1, to: layers, by: 1) {
            let previous = multiplier
            multiplier = min(1 << n, 8)
            sequence += [
                Conv2D(inputChannels: ndf * previous, outputChannels: ndf * multiplier, kernelSize: 4, stride: 2, padding: 1,
                       bias: bias),
                norm.makeLayer(channels: ndf * multiplier),
                LeakyReLU(slope: 0.2),
            ]
        }
        let previous = multiplier
        multiplier = min(1 << layers, 8)
        sequence += [
            Conv2D(inputChannels: ndf * previous, outputChannels: ndf * multiplier, kernelSize: 4, stride: 1, padding: 1,
                   bias: bias),
            norm.makeLayer(channels: ndf * multiplier),
            LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: ndf * multiplier, outputChannels: 1, kernelSize: 4, stride: 1, padding: 1),
        ]
        model = Sequential(sequence)
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

/// 1×1 PatchGAN ("PixelGAN"), the reference's `PixelDiscriminator`: one logit per pixel.
/// Input `[N, C, H, W]`, output `[N, 1, H, W]`. Keys `net.0.weight`, `net.2.weight`, `net.5.weight`.
public final class PixelDiscriminator: Layer {
    public let net: Sequential

    public init(inputChannels: Int, baseFilters: Int = 64, norm: NormKind = .instance) {
        let bias = norm.convolutionsHaveBias
        net = Sequential([
            Conv2D(inputChannels: inputChannels, outputChannels: baseFilters, kernelSize: 1),
            LeakyReLU(slope: 0.2),
            Conv2D(inputChannels: baseFilters, outputChannels: baseFilters * 2, kernelSize: 1, bias: bias),
            norm.makeLayer(channels: baseFilters * 2),
            LeakyReLU(slope: 0.2),
            // The reference gives this last conv the bias rule too.
            Conv2D(inputChannels: baseFilters * 2, outputChannels: 1, kernelSize: 1, bias: bias),
        ])
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { net(input, phase: phase) }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        net.forEachParameter(prefix: prefix + "net.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        net.forEachLayer(body)
    }
}
