import Kernels

/// An n-dimensional array of `Float` with value semantics, row-major.
/// Image batches are `[N, C, H, W]`: batch, channels, height, width.
///
/// A tensor computed from inputs that need a gradient carries a `GradientNode`; calling
/// `backward()` on a scalar loss sends gradients through those nodes into each `Parameter`.
public struct Tensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: Shape
    package let storage: TensorStorage
    package let node: GradientNode?

    package init(shape: Shape, storage: TensorStorage, node: GradientNode? = nil) {
        precondition(storage.count == shape.elementCount,
                     "storage holds \(storage.count) floats, shape \(shape) needs \(shape.elementCount)")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// A tensor holding `scalars` in row-major order.
    public init(shape: Shape, scalars: [Float]) {
        precondition(scalars.count == shape.elementCount,
                     "\(scalars.count) scalars do not fill shape \(shape) (\(shape.elementCount))")
        let storage = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { storage.pointer.initialize(from: $0.baseAddress!, count: scalars.count) }
        self.init(shape: shape, storage: storage)
    }

    /// A scalar (shape `[]`).
    public init(_ value: Float) { self.init(shape: [], scalars: [value]) }

    /// A tensor of zeros.
    public init(zeros shape: Shape) {
        self.init(shape: shape, storage: TensorStorage(zeros: shape.elementCount))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: Shape) {
        let storage = TensorStorage(uninitializedCount: shape.elementCount)
        storage.pointer.initialize(repeating: value, count: shape.elementCount)
        self.init(shape: shape, storage: storage)
    }

    /// Samples from N(mean, std²).
    public static func randomNormal(
        shape: Shape, mean: Float = 0, standardDeviation: Float = 1, using generator: inout some RandomNumberGenerator
    ) -> Tensor {
        let storage = TensorStorage(uninitializedCount: shape.elementCount)
        for i in 0..<shape.elementCount { storage.pointer[i] = mean + standardDeviation * generator.nextNormal() }
        return Tensor(shape: shape, storage: storage)
    }

    /// Samples from U[low, high).
    public static func randomUniform(
        shape: Shape, low: Float = 0, high: Float = 1, using generator: inout some RandomNumberGenerator
    ) -> Tensor {
        let storage = TensorStorage(uninitializedCount: shape.elementCount)
        for i in 0..<shape.elementCount { storage.pointer[i] = low + (high - low) * generator.nextUniform() }
        return Tensor(shape: shape, storage: storage)
    }

    /// Uninitialized output storage of `shape`, to be overwritten by a kernel.
    package static func uninitialized(_ shape: Shape) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(uninitializedCount: shape.elementCount))
    }

    // MARK: - Access

    public var scalarCount: Int { shape.elementCount }

    /// The elements in row-major order.
    public var scalars: [Float] { storage.withUnsafeBuffer { Array($0) } }

    /// The only element of a one-element tensor.
    public var scalar: Float {
        precondition(scalarCount == 1, "scalar: tensor of shape \(shape) has \(scalarCount) elements")
        return storage.pointer[0]
    }

    /// True when this tensor is part of a gradient graph.
    public var requiresGradient: Bool { node != nil }

    /// The same values, cut from the gradient graph (the fake image fed to D in its own step).
    public func detached() -> Tensor { node == nil ? self : Tensor(shape: shape, storage: storage) }

    /// The values in fresh storage, detached.
    public func copied() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }

    /// Reads the floats; the pointer must not escape `body`.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBuffer(body)
    }

    /// Builds a tensor by writing every element of uninitialized storage in `body`.
    public static func build(
        shape: Shape, _ body: (UnsafeMutableBufferPointer<Float>) throws -> Void
    ) rethrows -> Tensor {
        let output = uninitialized(shape)
        try output.storage.withUnsafeMutableBuffer(body)
        return output
    }

    public var description: String {
        let values = scalars.prefix(16).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(values)\(scalarCount > 16 ? ", …" : "")]"
    }

    /// Largest |a - b| over all elements. Shapes must match.
    public func maxAbsoluteDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "maxAbsoluteDifference: \(shape) vs \(other.shape)")
        var result: Float = 0
        for i in 0..<scalarCount {
            let d = Swift.abs(storage.pointer[i] - other.storage.pointer[i])
            if d.isNaN { return .nan }
            result = Swift.max(result, d)
        }
        return result
    }

    /// True when any element is NaN or infinite.
    public var hasNonFinite: Bool {
        for i in 0..<scalarCount where !storage.pointer[i].isFinite { return true }
        return false
    }
}

import Foundation
