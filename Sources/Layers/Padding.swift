import Tensors

/// Pads H and W by `padding` on every side by mirroring without repeating the edge,
/// PyTorch's `nn.ReflectionPad2d`. The reference uses it before every ResNet convolution.
public final class ReflectionPad2D: Layer {
    public let padding: Int
    public init(padding: Int) {
        precondition(padding >= 0, "ReflectionPad2D: padding must be non-negative, got \(padding)")
        self.padding = padding
    }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.padded(by: padding, mode: .reflect) }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// Pads H and W by repeating the edge, PyTorch's `nn.ReplicationPad2d`.
public final class ReplicationPad2D: Layer {
    public let padding: Int
    public init(padding: Int) {
        precondition(padding >= 0, "ReplicationPad2D: padding must be non-negative, got \(padding)")
        self.padding = padding
    }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.padded(by: padding, mode: .replicate) }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}

/// Pads H and W with zeros, PyTorch's `nn.ZeroPad2d`.
public final class ZeroPad2D: Layer {
    public let padding: Int
    public init(padding: Int) {
        precondition(padding >= 0, "ZeroPad2D: padding must be non-negative, got \(padding)")
        self.padding = padding
    }
    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { input.padded(by: padding, mode: .zero) }
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}
