import Kernels

/// One recorded operation of the gradient graph, or a leaf that feeds a `Parameter`.
package final class GradientNode {
    /// Computes one gradient per input (nil where none is needed) from the output gradient.
    package typealias Backward = (_ gradOutput: Tensor, _ needsGradient: [Bool]) -> [Tensor?]

    package let name: String
    package let inputs: [GradientNode?]
    package let inputShapes: [Shape]
    /// Released (set to nil) once it has run, so the activations it captured are freed during the
    /// backward pass rather than after it; `hasRun` then marks the node as consumed.
    package private(set) var backward: Backward?
    package let parameter: Parameter?
    /// True once `backward` has run: the graph cannot be traversed again (no `retain_graph`).
    package private(set) var hasRun = false

    /// Runs `backward` once and releases it with everything it captured.
    package func runBackward(_ gradOutput: Tensor, _ needsGradient: [Bool]) -> [Tensor?] {
        precondition(!hasRun, "\(name): backward through a graph that was already backpropagated "
            + "(run the forward pass again for a second backward)")
        guard let backward else { return [] }
        let result = backward(gradOutput, needsGradient)
        self.backward = nil
        hasRun = true
        return result
    }

    package init(name: String, inputs: [GradientNode?], inputShapes: [Shape], backward: @escaping Backward) {
        self.name = name
        self.inputs = inputs
        self.inputShapes = inputShapes
        self.backward = backward
        self.parameter = nil
    }

    package init(leaf parameter: Parameter) {
        name = "parameter"
        inputs = []
        inputShapes = []
        backward = nil
        self.parameter = parameter
    }
}

/// A learnable tensor (or a running statistic) with its accumulated gradient.
public final class Parameter {
    public let shape: Shape
    private var storage: TensorStorage

    /// Accumulated by `backward()`; cleared by the optimizer's `zeroGradients`.
    public var gradient: Tensor?
    /// False while the other network takes its step (`set_requires_grad(False)` in the reference).
    public var requiresGradient: Bool
    /// False for running mean and variance: saved in checkpoints, never optimized.
    public let isTrainable: Bool

    public init(_ value: Tensor, trainable: Bool = true) {
        self.shape = value.shape
        self.storage = value.storage
        self.isTrainable = trainable
        self.requiresGradient = trainable
    }

    /// The current value, detached. Setting it requires the same shape.
    public var value: Tensor {
        get { Tensor(shape: shape, storage: storage) }
        set {
            precondition(newValue.shape == shape, "parameter of shape \(shape) set to \(newValue.shape)")
            storage = newValue.storage
        }
    }

    /// The value as used in a forward pass: a graph leaf when the parameter wants a gradient.
    public var tracked: Tensor {
        guard requiresGradient && isTrainable else { return value }
        return Tensor(shape: shape, storage: storage, node: GradientNode(leaf: self))
    }

    /// Adds `gradient` to the accumulated one.
    package func accumulate(_ gradient: Tensor) {
        precondition(gradient.shape == shape, "gradient \(gradient.shape) for parameter \(shape)")
        if let existing = self.gradient {
            self.gradient = existing.adding(gradient).detached()
        } else {
            self.gradient = gradient.detached()
        }
    }

    /// Overwrites the value in place (optimizers and running statistics). Copies first when the
    /// storage is still shared (a live graph or a caller's copy keeps the old values).
    public func updateInPlace(_ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        storage.withUnsafeMutableBuffer(body)
    }
}

extension Tensor {
    /// Returns `self` with a node that records how to get the inputs' gradients from this
    /// output's; returns `self` unchanged when no input needs a gradient.
    package func recording(_ name: String, inputs: [Tensor], backward: @escaping GradientNode.Backward) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }) else { return self }
        let node = GradientNode(name: name, inputs: inputs.map(\.node), inputShapes: inputs.map(\.shape),
                                backward: backward)
        return Tensor(shape: shape, storage: storage, node: node)
    }

    /// Sends the gradient of this scalar loss to every parameter it depends on, accumulating into
    /// `Parameter.gradient`. Nodes run in reverse topological order; each gradient is freed as soon
    /// as its node has run.
    public func backward() {
        precondition(scalarCount == 1, "backward() needs a scalar loss, got shape \(shape)")
        backward(gradient: Tensor(repeating: 1, shape: shape))
    }

    /// Backpropagates an explicit output gradient of this tensor's shape.
    public func backward(gradient seed: Tensor) {
        precondition(seed.shape == shape, "backward: seed \(seed.shape) for tensor \(shape)")
        guard let root = node else { return }

        // Iterative post-order DFS: `order` lists every node after all of its inputs.
        var order: [GradientNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradientNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (current, next) = stack.popLast() {
            if next < current.inputs.count {
                stack.append((current, next + 1))
                if let input = current.inputs[next], visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(current)
            }
        }

        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed.detached()]
        for current in order.reversed() {
            guard let gradOutput = gradients.removeValue(forKey: ObjectIdentifier(current)) else { continue }
            if let parameter = current.parameter {
                parameter.accumulate(gradOutput)
                continue
            }
            guard current.backward != nil || current.hasRun else { continue }
            let needs = current.inputs.map { $0 != nil }
            let inputGradients = current.runBackward(gradOutput, needs)
            precondition(inputGradients.count == current.inputs.count,
                         "\(current.name): backward returned \(inputGradients.count) gradients for \(current.inputs.count) inputs")
            for (index, input) in current.inputs.enumerated() {
                guard let input, let gradient = inputGradients[index]?.detached() else { continue }
                precondition(gradient.shape == current.inputShapes[index],
                             "\(current.name): gradient \(gradient.shape) for input \(current.inputShapes[index])")
                let key = ObjectIdentifier(input)
                if let existing = gradients[key] {
                    gradients[key] = existing.adding(gradient).detached()
                } else {
                    gradients[key] = gradient
                }
            }
        }
    }
}
