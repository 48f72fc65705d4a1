import Tensors

/// Passed explicitly: the reference pix2pix keeps dropout and batch statistics at test time.
public enum Phase: Sendable {
    /// Dropout is active and batch norm uses (and updates) batch statistics.
    case training
    /// Dropout is the identity and batch norm uses its running statistics (`model.eval()`).
    case inference
}

/// A parameterised map from tensor to tensor.
///
/// Layers are `final class`es updated in place; hyperparameters are `let`, learnable state a
/// `Parameter`. Composites forward `forEachParameter` with each child's prefix, so the dotted
/// names are the PyTorch reference's state-dict keys.
public protocol Layer: AnyObject {
    /// Applies the layer. Only dropout and batch norm look at `phase`.
    func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor

    /// Calls `body` for every parameter and running statistic, in a fixed order, with its dotted
    /// path: `prefix` followed by the local name ("model.1." + "weight").
    func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void)

    /// Calls `body` on this layer and then on every layer inside it, depth first (weight init).
    /// Leaf layers use the default, which visits only `self`.
    func forEachLayer(_ body: (any Layer) -> Void)
}

extension Layer {
    public func forEachLayer(_ body: (any Layer) -> Void) { body(self) }

    /// Every parameter and running statistic with its state-dict key, in order.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var result: [(String, Parameter)] = []
        forEachParameter(prefix: "") { result.append(($0, $1)) }
        return result
    }

    /// The number of trainable scalars, as PyTorch's `sum(p.numel() for p in net.parameters())`
    /// (running statistics are buffers there and are not counted).
    public var parameterCount: Int {
        var total = 0
        forEachParameter(prefix: "") { _, parameter in
            if parameter.isTrainable { total += parameter.shape.elementCount }
        }
        return total
    }

    /// Turns gradient tracking on or off for every trainable parameter (`set_requires_grad`).
    public func setRequiresGradient(_ value: Bool) {
        forEachParameter(prefix: "") { _, parameter in
            if parameter.isTrainable { parameter.requiresGradient = value }
        }
    }
}
