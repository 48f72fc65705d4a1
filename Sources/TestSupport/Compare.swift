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

    /// Deterministic pseudo-random floats in [-1, 1).
    public static func randomValues(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextUniform() * 2 - 1 }
    }
}
