import Tensors

/// Applies its layers in order; child `i` owns the state-dict prefix `"i."`, as `nn.Sequential`.
public final class Sequential: Layer {
    public let layers: [any Layer]

    public init(_ layers: [any Layer]) { self.layers = layers }

    public convenience init(_ layers: any Layer...) { self.init(layers) }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        layers.reduce(input) { x, layer in layer(x, phase: phase) }
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        for (index, layer) in layers.enumerated() { layer.forEachParameter(prefix: "\(prefix)\(index).", body) }
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        for layer in layers { layer.forEachLayer(body) }
    }

    public subscript(index: Int) -> any Layer { layers[index] }
    public var count: Int { layers.count }
}
