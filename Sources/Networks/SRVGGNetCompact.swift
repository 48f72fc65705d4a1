import Layers
import Tensors

/// Real-ESRGAN's compact VGG-style network, BasicSR's `SRVGGNetCompact` (`realesr-general-x4v3`:
/// 32 convs, `realesr-animevideov3`: 16 convs), with per-channel PReLU activations.
///
/// A 3×3 conv to `baseFilters` and PReLU, `convs` × (3×3 conv, PReLU), a 3×3 conv to
/// `outputChannels·scale²` channels and a pixel shuffle by `scale`; the input upsampled by nearest
/// neighbour is added, so the body learns the residual. No convolution runs at high resolution.
///
/// Keys as BasicSR's `nn.ModuleList`: `body.<2k>.{weight,bias}` (convs), `body.<2k+1>.weight` (PReLU
/// slopes), the last conv at `body.<2·convs + 2>`.
public final class SRVGGNetCompact: Layer {
    public let body: Sequential
    public let scale: Int

    /// - Parameters:
    ///   - baseFilters: `num_feat` (64).
    ///   - convs: `num_conv`, the body convs after the first (16 or 32).
    ///   - scale: `upscale` (≥ 1).
    public init(inputChannels: Int = 3, outputChannels: Int = 3, baseFilters: Int = 64, convs: Int = 16, scale: Int = 4) {
        precondition(scale >= 1 && convs >= 0, "SRVGGNetCompact: scale \(scale) must be ≥ 1 and convs \(convs) ≥ 0")
        self.scale = scale
        let nf = baseFilters
        var layers: [any Layer] = [Conv2D(inputChannels: inputChannels, outputChannels: nf, kernelSize: 3, padding: 1),
                                   PReLU(channels: nf)]
        for _ in 0..<convs {
            layers += [Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1), PReLU(channels: nf)]
        }
        layers.append(Conv2D(inputChannels: nf, outputChannels: outputChannels * scale * scale, kernelSize: 3, padding: 1))
        body = Sequential(layers)
    }

    /// Input `[N, C, h, w]`, output `[N, outputChannels, scale·h, scale·w]` (`outputChannels` must equal
    /// `C` for the skip, as in every released model).
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        body(input, phase: phase).pixelShuffled(upscaleFactor: scale) + input.upsampledNearest(factor: scale)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        self.body.forEachParameter(prefix: prefix + "body.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        self.body.forEachLayer(body)
    }
}
