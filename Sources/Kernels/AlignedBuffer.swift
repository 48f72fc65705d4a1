import Foundation

/// 64-byte aligned allocation of `Float`s. The memory is uninitialized.
package enum AlignedMemory {
    package static let alignment = 64

    package static func allocate(count: Int) -> UnsafeMutablePointer<Float> {
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        let raw = BlockCache.allocate(bytes: bytes, alignment: alignment)  // large blocks may be reused
        return raw.bindMemory(to: Float.self, capacity: max(1, count))
    }

    package static func deallocate(_ pointer: UnsafeMutablePointer<Float>) {
        BlockCache.deallocate(UnsafeMutableRawPointer(pointer))
    }

    /// Keeps large freed blocks in the heap instead of returning them to the OS, so that tensors of
    /// a training step reuse warm pages (a fresh mmap'd 4 MiB buffer is 7× slower to fill:
    /// PERF-NOTES P5). Called once at start-up.
    package static func configureAllocator() {
        #if os(Linux)
        // M_MMAP_THRESHOLD = -3, M_TRIM_THRESHOLD = -1 (glibc malloc.h)
        _ = glibcMallopt(-3, 32 << 20)  // glibc caps the threshold at 32 MiB
        _ = glibcMallopt(-1, Int32.max)
        #endif
    }
}

#if os(Linux)
/// glibc's `mallopt(int, int)` from <malloc.h>, which the Glibc module does not export.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
