import Tensors

/// Rearranges `[N, C·r², H, W]` into `[N, C, H·r, W·r]`, PyTorch's `nn.PixelShuffle(r)`
/// (Shi et al. 2016): the SRResNet upsampler.
public final class PixelShuffle: Layer {
    public let upscaleFactor: Int
    public init(upscaleFactor: Int) {
        precondition(upscaleFactor > 0, "PixelShuffle: factor must be positive, got \(upscaleFactor)")
        self.upscaleFactor = upscaleFactor
    }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.pixelShuffled(upscaleFactor: upscaleFactor) }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// Max over `kernelSize × kernelSize` windows every `stride` pixels, PyTorch's `nn.MaxPool2d`
/// (no padding, floor mode).
public final class MaxPool2D: Layer {
    public let kernelSize: Int
    public let stride: Int
    public init(kernelSize: Int, stride: Int) {
        precondition(kernelSize > 0 && stride > 0, "MaxPool2D: bad geometry k\(kernelSize) s\(stride)")
        self.kernelSize = kernelSize
        self.stride = stride
    }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input.maxPool2d(kernelSize: kernelSize, stride: stride)
    }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// `[N, …]` to `[N, product of the rest]`, PyTorch's `nn.Flatten`.
public final class Flatten: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let dimensions = input.shape.dimensions
        precondition(!dimensions.isEmpty, "Flatten: needs a batch axis, got a scalar")
        return input.reshaped(to: [dimensions[0], dimensions.dropFirst().reduce(1, *)])
    }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}
