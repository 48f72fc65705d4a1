import Tensors

/// How `initializeWeights` draws conv and linear weights (biases become 0). Batch-norm weights are
/// drawn from N(1, gain) and their biases set to 0 under every scheme, as the reference does.
public enum WeightInitialization: Sendable, Equatable {
    /// N(0, gain²): the reference default, gain 0.02.
    case normal(gain: Float)
    /// Glorot normal: N(0, (gain·√(2 / (fan_in + fan_out)))²).
    case xavier(gain: Float)
    /// He normal, fan-in mode, a = 0: N(0, 2 / fan_in). `gain` applies to batch-norm weights only.
    case kaiming(gain: Float)
    /// A (semi-)orthogonal matrix of the weight flattened to `[out, rest]`, times gain (Saxe et al.).
    case orthogonal(gain: Float)

    /// The reference default (`--init_type normal --init_gain 0.02`).
    public static let reference = WeightInitialization.normal(gain: 0.02)

    /// The scheme called `name` ("normal", "xavier", "kaiming", "orthogonal"), or nil.
    public init?(name: String, gain: Float = 0.02) {
        switch name {
        case "normal": self = .normal(gain: gain)
        case "xavier": self = .xavier(gain: gain)
        case "kaiming": self = .kaiming(gain: gain)
        case "orthogonal": self = .orthogonal(gain: gain)
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .normal: return "normal"
        case .xavier: return "xavier"
        case .kaiming: return "kaiming"
        case .orthogonal: return "orthogonal"
        }
    }

    public var gain: Float {
        switch self {
        case .normal(let gain), .xavier(let gain), .kaiming(let gain), .orthogonal(let gain): return gain
        }
    }

    /// PyTorch's fans: `fan_in = shape[1]·receptive`, `fan_out = shape[0]·receptive`.
    static func fans(_ shape: Shape) -> (fanIn: Int, fanOut: Int) {
        let dims = shape.dimensions
        precondition(dims.count >= 2, "weight initialization needs a weight of rank ≥ 2, got \(shape)")
        let receptive = dims.dropFirst(2).reduce(1, *)
        return (dims[1] * receptive, dims[0] * receptive)
    }

    /// A weight tensor of `shape` drawn from this scheme.
    public func sample(shape: Shape, using generator: inout some RandomNumberGenerator) -> Tensor {
        let (fanIn, fanOut) = Self.fans(shape)
        switch self {
        case .normal(let gain):
            return Tensor.randomNormal(shape: shape, standardDeviation: gain, using: &generator)
        case .xavier(let gain):
            let std = gain * (2 / Float(fanIn + fanOut)).squareRoot()
            return Tensor.randomNormal(shape: shape, standardDeviation: std, using: &generator)
        case .kaiming:
            return Tensor.randomNormal(shape: shape, standardDeviation: (2 / Float(fanIn)).squareRoot(), using: &generator)
        case .orthogonal(let gain):
            let rows = shape.dimensions[0]
            let columns = shape.elementCount / rows
            let matrix = Self.orthogonalMatrix(rows: rows, columns: columns, using: &generator)
            return Tensor(shape: shape, scalars: matrix.map { Float($0) * gain })
        }
    }

    /// A row-major `rows × columns` matrix with orthonormal rows (if rows ≤ columns) or columns:
    /// Gram–Schmidt on a Gaussian matrix, which equals PyTorch's QR with the sign fix `q·sign(diag r)`.
    static func orthogonalMatrix(rows: Int, columns: Int, using generator: inout some RandomNumberGenerator) -> [Double] {
        // Orthonormalise the `count` vectors of length `length`; PyTorch transposes when rows < columns.
        let transposed = rows < columns
        let count = transposed ? rows : columns
        let length = transposed ? columns : rows
        var vectors = [[Double]](repeating: [], count: count)
        for index in 0..<count {
            var v = (0..<length).map { _ in Double(generator.nextNormal()) }
            // Two passes of modified Gram–Schmidt keep the result orthogonal to rounding error.
            for _ in 0..<2 {
                for previous in vectors[..<index] {
                    var dot = 0.0
                    for k in 0..<length { dot += v[k] * previous[k] }
                    for k in 0..<length { v[k] -= dot * previous[k] }
                }
            }
            var norm = 0.0
            for k in 0..<length { norm += v[k] * v[k] }
            norm = norm.squareRoot()
            vectors[index] = v.map { $0 / max(norm, 1e-300) }
        }
        var result = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                // Vectors are rows of the result when transposed, its columns otherwise.
                result[r * columns + c] = transposed ? vectors[r][c] : vectors[c][r]
            }
        }
        return result
    }
}

/// A layer whose parameters `initializeWeights` re-draws (conv, transposed conv, linear, batch norm).
public protocol WeightInitializable: Layer {
    func initializeWeights(_ scheme: WeightInitialization, using generator: inout SeededGenerator)
}

/// Re-draws the weights of every conv, linear and batch-norm layer in `network` as the reference's
/// `init_weights` does: weights from `scheme`, biases 0, batch-norm γ ~ N(1, gain). Other
/// parameters (PReLU slopes) keep their constructor values.
public func initializeWeights(_ network: any Layer, _ scheme: WeightInitialization = .reference,
                              using generator: inout SeededGenerator) {
    network.forEachLayer { layer in
        (layer as? any WeightInitializable)?.initializeWeights(scheme, using: &generator)
    }
}
