import Kernels

/// The floats behind a `Tensor`: one 64-byte aligned buffer, freed with the last reference.
/// Read-only once shared; only optimizers and running statistics write in place.
package final class TensorStorage: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<Float>
    package let count: Int

    /// Uninitialized storage for `count` floats.
    package init(uninitializedCount count: Int) {
        self.count = count
        self.pointer = AlignedMemory.allocate(count: count)
    }

    /// Zero-filled storage.
    package convenience init(zeros count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { AlignedMemory.deallocate(pointer) }

    @inline(__always)
    package func withUnsafeBuffer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    @inline(__always)
    package func withUnsafeMutableBuffer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// A copy of these floats in new storage.
    package func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.pointer.initialize(from: pointer, count: count)
        return result
    }
}
