import Layers
import Tensors

/// ESRGAN's generator (Wang et al. 2018) as BasicSR's `RRDBNet`, the network of Real-ESRGAN's
/// `RealESRGAN_x4plus`, `RealESRNet_x4plus`, `RealESRGAN_x4plus_anime_6B` and `RealESRGAN_x2plus`.
///
/// `conv_first` (3×3), `blocks` RRDBs, `conv_body` with a long skip, then two stages of nearest-neighbour
/// ×2 upsampling, 3×3 conv and LeakyReLU(0.2) (`conv_up1`, `conv_up2`), `conv_hr` with LeakyReLU and
/// `conv_last`. The body always upsamples ×4: for scale 2 the input is first pixel-unshuffled by 2
/// (`conv_first` sees 4·C channels), for scale 1 by 4 (16·C). No output activation; Real-ESRGAN feeds
/// RGB in [0, 1] and clamps the output to [0, 1].
///
/// Keys as BasicSR: `conv_first.*`, `body.<i>.rdb<1-3>.conv<1-5>.*`, `conv_body.*`, `conv_up1.*`,
/// `conv_up2.*`, `conv_hr.*`, `conv_last.*`.
public final class RRDBNet: Layer {
    public let convFirst: Conv2D
    public let body: Sequential
    public let convBody: Conv2D
    public let convUp1: Conv2D
    public let convUp2: Conv2D
    public let convHR: Conv2D
    public let convLast: Conv2D
    /// 1, 2 or 4: the output is `scale` times the input's size.
    public let scale: Int

    /// - Parameters:
    ///   - inputChannels: image channels (`num_in_ch`, before the pixel unshuffle of scales 1 and 2).
    ///   - baseFilters: `num_feat` (64).
    ///   - blocks: `num_block` (23; 6 for the anime model).
    ///   - growthChannels: `num_grow_ch` (32).
    ///   - scale: 1, 2 or 4.
    public init(inputChannels: Int = 3, outputChannels: Int = 3, baseFilters: Int = 64, blocks: Int = 23,
                growthChannels: Int = 32, scale: Int = 4) {
        precondition([1, 2, 4].contains(scale), "RRDBNet: scale must be 1, 2 or 4, got \(scale)")
        precondition(blocks >= 0, "RRDBNet: blocks must be non-negative, got \(blocks)")
        self.scale = scale
        let nf = baseFilters
        let unshuffled = inputChannels * (scale == 4 ? 1 : (scale == 2 ? 4 : 16))
        convFirst = Conv2D(inputChannels: unshuffled, outputChannels: nf, kernelSize: 3, padding: 1)
        body = Sequential((0..<blocks).map { _ in RRDB(features: nf, growth: growthChannels) })
        convBody = Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1)
        convUp1 = Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1)
        convUp2 = Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1)
        convHR = Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1)
        convLast = Conv2D(inputChannels: nf, outputChannels: outputChannels, kernelSize: 3, padding: 1)
    }

    /// Input `[N, C, h, w]` (h and w multiples of 4/scale), output `[N, outputChannels, scale·h, scale·w]`.
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let unshuffled = scale == 4 ? input : input.pixelUnshuffled(downscaleFactor: scale == 2 ? 2 : 4)
        let features = convFirst(unshuffled, phase: phase)
        var x = features + convBody(body(features, phase: phase), phase: phase)
        x = convUp1(x.upsampledNearest(factor: 2), phase: phase).leakyReLU(slope: 0.2)
        x = convUp2(x.upsampledNearest(factor: 2), phase: phase).leakyReLU(slope: 0.2)
        return convLast(convHR(x, phase: phase).leakyReLU(slope: 0.2), phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        convFirst.forEachParameter(prefix: prefix + "conv_first.", body)
        self.body.forEachParameter(prefix: prefix + "body.", body)
        convBody.forEachParameter(prefix: prefix + "conv_body.", body)
        convUp1.forEachParameter(prefix: prefix + "conv_up1.", body)
        convUp2.forEachParameter(prefix: prefix + "conv_up2.", body)
        convHR.forEachParameter(prefix: prefix + "conv_hr.", body)
        convLast.forEachParameter(prefix: prefix + "conv_last.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for part in [convFirst, self.body, convBody, convUp1, convUp2, convHR, convLast] as [any Layer] {
            part.forEachLayer(body)
        }
    }
}

/// Residual in residual dense block: three `ResidualDenseBlock`s in a row, their result scaled by
/// 0.2 and added to the input. Keys `rdb1.*`, `rdb2.*`, `rdb3.*`.
public final class RRDB: Layer {
    public let rdb1: ResidualDenseBlock
    public let rdb2: ResidualDenseBlock
    public let rdb3: ResidualDenseBlock

    public init(features: Int, growth: Int = 32) {
        rdb1 = ResidualDenseBlock(features: features, growth: growth)
        rdb2 = ResidualDenseBlock(features: features, growth: growth)
        rdb3 = ResidualDenseBlock(features: features, growth: growth)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let out = rdb3(rdb2(rdb1(input, phase: phase), phase: phase), phase: phase)
        return out * 0.2 + input
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        rdb1.forEachParameter(prefix: prefix + "rdb1.", body)
        rdb2.forEachParameter(prefix: prefix + "rdb2.", body)
        rdb3.forEachParameter(prefix: prefix + "rdb3.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for part in [rdb1, rdb2, rdb3] { part.forEachLayer(body) }
    }
}

/// Five densely connected 3×3 convs: conv k sees the input and the `growth` channels of every
/// earlier conv (LeakyReLU 0.2 after convs 1–4); conv 5 maps back to `features` channels, and the
/// result, scaled by 0.2, is added to the input. Keys `conv1.*` … `conv5.*`.
public final class ResidualDenseBlock: Layer {
    public let convs: [Conv2D]

    public init(features: Int, growth: Int = 32) {
        precondition(features > 0 && growth > 0, "ResidualDenseBlock: features \(features) and growth \(growth) must be positive")
        convs = (0..<5).map { index in
            Conv2D(inputChannels: features + index * growth, outputChannels: index == 4 ? features : growth,
                   kernelSize: 3, padding: 1)
        }
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        var seen = [input]
        for conv in convs.prefix(4) {
            let joined = seen.count == 1 ? input : Tensor.concatenate(seen, alongAxis: 1)
            seen.append(conv(joined, phase: phase).leakyReLU(slope: 0.2))
        }
        return convs[4](Tensor.concatenate(seen, alongAxis: 1), phase: phase) * 0.2 + input
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        for (index, conv) in convs.enumerated() { conv.forEachParameter(prefix: prefix + "conv\(index + 1).", body) }
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for conv in convs { conv.forEachLayer(body) }
    }
}
