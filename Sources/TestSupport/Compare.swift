import Tensors

/// Small helpers for comparing floats in tests.
public enum Compare {
    /// Largest |a − b| of two equally long arrays (∞ when lengths differ).
    public static func maxAbsoluteDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        var result: Float = 0
        for i in a.indices {
            let d = Swift.abs(a[i] - b[i])
            if d.isNaN { return .nan }
            result = Swift.max(result, d)
        }
        return result
    }

    /// Deterministic pseudo-random values in [-1, 1) for test inputs.
    public static func randomTensor(_ shape: Shape, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.randomUniform(shape: shape, low: -1, high: 1, using: &generator)
    }

    /// Like `randomTensor`, but every |value| is at least `margin`, so finite differences with a
    /// smaller step never straddle the kink of relu, abs or prelu at 0.
    public static func randomTensorAwayFromZero(_ shape: Shape, seed: UInt64, margin: Float = 0.05) -> Tensor {
        let values = randomValues(shape.elementCount, seed: seed).map { $0 < 0 ? $0 - margin : $0 + margin }
        return Tensor(shape: shape, scalars: values)
    }

    /// Deterministic pseudo-random floats in [-1, 1).
    public static func randomValues(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
    }
}
