import Layers
import Tensors

/// BasicSR's modified SRResNet (`MSRResNet`): SRResNet without batch norm, as in EDSR.
///
/// `conv_first` (3×3) and LeakyReLU(0.1), `blocks` × `ResidualBlockNoBN` (conv, ReLU, conv, skip),
/// sub-pixel upsampling (`upconv1` to 4·F channels and pixel shuffle ×2, then `upconv2` the same,
/// each followed by LeakyReLU 0.1, for scale 4; one `upconv1` to s²·F and pixel shuffle ×s for
/// scales 2 and 3), `conv_hr` with LeakyReLU and `conv_last`; the input upsampled bilinearly
/// (`align_corners=False`) is added. Inputs and outputs are RGB in [0, 1].
///
/// Keys as BasicSR: `conv_first.*`, `body.<i>.conv1.*`, `body.<i>.conv2.*`, `upconv1.*`,
/// `upconv2.*` (scale 4), `conv_hr.*`, `conv_last.*`.
public final class MSRResNet: Layer {
    public let convFirst: Conv2D
    public let body: Sequential
    public let upconv1: Conv2D
    public let upconv2: Conv2D?
    public let convHR: Conv2D
    public let convLast: Conv2D
    /// 2, 3 or 4.
    public let scale: Int

    public init(inputChannels: Int = 3, outputChannels: Int = 3, baseFilters: Int = 64, blocks: Int = 16, scale: Int = 4) {
        precondition([2, 3, 4].contains(scale), "MSRResNet: scale must be 2, 3 or 4, got \(scale)")
        precondition(blocks >= 0, "MSRResNet: blocks must be non-negative, got \(blocks)")
        self.scale = scale
        let nf = baseFilters
        convFirst = Conv2D(inputChannels: inputChannels, outputChannels: nf, kernelSize: 3, padding: 1)
        body = Sequential((0..<blocks).map { _ in ResidualBlockNoBN(channels: nf) })
        let first = scale == 4 ? 2 : scale
        upconv1 = Conv2D(inputChannels: nf, outputChannels: nf * first * first, kernelSize: 3, padding: 1)
        upconv2 = scale == 4 ? Conv2D(inputChannels: nf, outputChannels: nf * 4, kernelSize: 3, padding: 1) : nil
        convHR = Conv2D(inputChannels: nf, outputChannels: nf, kernelSize: 3, padding: 1)
        convLast = Conv2D(inputChannels: nf, outputChannels: outputChannels, kernelSize: 3, padding: 1)
    }

    /// Input `[N, C, h, w]`, output `[N, outputChannels, scale·h, scale·w]` (`outputChannels` = `C`).
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        var x = body(convFirst(input, phase: phase).leakyReLU(slope: 0.1), phase: phase)
        if let upconv2 {
            x = upconv1(x, phase: phase).pixelShuffled(upscaleFactor: 2).leakyReLU(slope: 0.1)
            x = upconv2(x, phase: phase).pixelShuffled(upscaleFactor: 2).leakyReLU(slope: 0.1)
        } else {
            x = upconv1(x, phase: phase).pixelShuffled(upscaleFactor: scale).leakyReLU(slope: 0.1)
        }
        let out = convLast(convHR(x, phase: phase).leakyReLU(slope: 0.1), phase: phase)
        let (_, _, h, w) = input.shape.nchw
        return out + input.resized(height: h * scale, width: w * scale, method: .bilinear)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        convFirst.forEachParameter(prefix: prefix + "conv_first.", body)
        self.body.forEachParameter(prefix: prefix + "body.", body)
        upconv1.forEachParameter(prefix: prefix + "upconv1.", body)
        upconv2?.forEachParameter(prefix: prefix + "upconv2.", body)
        convHR.forEachParameter(prefix: prefix + "conv_hr.", body)
        convLast.forEachParameter(prefix: prefix + "conv_last.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        var parts: [any Layer] = [convFirst, self.body, upconv1]
        if let upconv2 { parts.append(upconv2) }
        for part in parts + [convHR, convLast] as [any Layer] { part.forEachLayer(body) }
    }
}

/// `x + conv2(ReLU(conv1(x)))`, BasicSR's `ResidualBlockNoBN` with `res_scale` 1. Keys `conv1.*`, `conv2.*`.
public final class ResidualBlockNoBN: Layer {
    public let conv1: Conv2D
    public let conv2: Conv2D

    public init(channels: Int) {
        conv1 = Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1)
        conv2 = Conv2D(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input + conv2(conv1(input, phase: phase).relu(), phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        conv1.forEachParameter(prefix: prefix + "conv1.", body)
        conv2.forEachParameter(prefix: prefix + "conv2.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        conv1.forEachLayer(body)
        conv2.forEachLayer(body)
    }
}
