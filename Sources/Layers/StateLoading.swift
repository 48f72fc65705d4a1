import Tensors

/// How a set of named tensors fails to fit a network: the lists a user needs to see.
public struct StateMismatch: Sendable, CustomStringConvertible {
    /// Keys the network has and the tensors lack.
    public var missing: [String] = []
    /// Keys the tensors have and the network lacks.
    public var unexpected: [String] = []
    /// Keys present in both with different shapes.
    public var misshaped: [(name: String, expected: Shape, found: Shape)] = []

    public var isEmpty: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }

    public var description: String {
        func list(_ names: [String]) -> String {
            let shown = names.prefix(12).joined(separator: ", ")
            return names.count > 12 ? "\(shown), … (\(names.count - 12) more)" : shown
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) missing: \(list(missing))") }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: \(list(unexpected))") }
        if !misshaped.isEmpty {
            parts.append("\(misshaped.count) mis-shaped: " + list(misshaped.map { "\($0.name) (network \($0.expected), file \($0.found))" }))
        }
        return parts.joined(separator: "; ")
    }
}

extension Layer {
    /// Compares the network's keys and shapes with `shapes`.
    public func stateMismatch(with shapes: [(name: String, shape: Shape)]) -> StateMismatch {
        var mismatch = StateMismatch()
        var given: [String: Shape] = [:]
        for (name, shape) in shapes { given[name] = shape }
        var known = Set<String>()
        forEachParameter(prefix: "") { name, parameter in
            known.insert(name)
            guard let shape = given[name] else {
                mismatch.missing.append(name)
                return
            }
            if shape != parameter.shape { mismatch.misshaped.append((name, parameter.shape, shape)) }
        }
        mismatch.unexpected = shapes.map(\.name).filter { !known.contains($0) }
        return mismatch
    }

    /// Copies `tensors` into the parameters of the same names. Nothing is changed unless every key
    /// matches in name and shape; otherwise throws `.mismatch` listing the missing, unexpected and
    /// mis-shaped keys, followed by `hint(mismatch)` when it says something.
    public func loadState(_ tensors: [(name: String, tensor: Tensor)],
                          hint: (StateMismatch) -> String? = { _ in nil }) throws {
        let mismatch = stateMismatch(with: tensors.map { ($0.name, $0.tensor.shape) })
        guard mismatch.isEmpty else {
            var message = "the tensors do not fit the network: \(mismatch)"
            if let advice = hint(mismatch) { message += ". \(advice)" }
            throw CheckpointError(.mismatch, message)
        }
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors { byName[name] = tensor }
        forEachParameter(prefix: "") { name, parameter in
            // Copy so later in-place updates (running statistics, optimizers) never alias the source.
            parameter.value = byName[name]!.copied()
            parameter.gradient = nil
        }
    }

    /// The current value of every parameter and running statistic, by state-dict key.
    public var stateTensors: [(name: String, tensor: Tensor)] {
        namedParameters.map { ($0.name, $0.parameter.value) }
    }
}
