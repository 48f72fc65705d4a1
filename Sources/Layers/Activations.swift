import Tensors

/// `max(x, 0)`, PyTorch's `nn.ReLU`.
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.relu() }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// `x` where positive, else `slope·x`, PyTorch's `nn.LeakyReLU` (the reference uses slope 0.2).
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(slope: Float = 0.2) { self.slope = slope }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.leakyReLU(slope: slope) }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// `tanh(x)`, the reference generators' last layer (outputs in [−1, 1]).
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.tanh() }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// `1 / (1 + e^−x)`.
public final class Sigmoid: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.sigmoid() }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// `x` where positive, else `a_c·x` with a learned slope per channel (He et al. 2015), PyTorch's
/// `nn.PReLU(num_parameters: channels)`; `weight [channels]` starts at 0.25. Use `channels: 1` for
/// one shared slope.
public final class PReLU: Layer {
    public let channels: Int
    public let weight: Parameter

    public init(channels: Int = 1, initialSlope: Float = 0.25) {
        precondition(channels > 0, "PReLU: channels must be positive, got \(channels)")
        self.channels = channels
        weight = Parameter(Tensor(repeating: initialSlope, shape: [channels]))
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.prelu(weight: weight.tracked) }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight", weight)
    }
}

/// Does nothing; holds the place of a disabled layer so state-dict indices do not shift (the
/// reference's `Identity` for `--norm none`).
public final class Identity: Layer {
    public init() {}
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}
