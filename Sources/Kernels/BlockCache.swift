import Foundation

/// Freed large blocks kept for the next allocation of the same size, when enabled.
///
/// glibc serves blocks above its mmap threshold (32 MiB at most, see `configureAllocator`) with a
/// fresh `mmap` each time, and the kernel zero-fills every page on first touch: a megapixel image
/// through resnet_9blocks allocates dozens of 64–256 MB activations per pass, and without reuse a
/// ReLU over 256 MB spent 4/5 of its time in page faults (measured: 137 ms against 28 ms once the
/// pages are mapped). Inference runs the same shapes image after image, so keeping those blocks
/// makes every pass after the first fault-free. Off (limit 0) unless a caller sets a limit.
package enum BlockCache {
    /// Blocks below this size stay with malloc, whose heap already reuses them.
    package static let minimumBytes = 8 << 20

    nonisolated(unsafe) private static var limit = 0
    nonisolated(unsafe) private static var cachedBytes = 0
    /// Cached blocks, oldest first.
    nonisolated(unsafe) private static var cached: [(bytes: Int, pointer: UnsafeMutableRawPointer)] = []
    /// Sizes of the live large blocks handed out while caching is on.
    nonisolated(unsafe) private static var liveSizes: [UnsafeMutableRawPointer: Int] = [:]
    private static let lock = NSLock()

    /// Keeps up to `bytes` of freed large blocks (0 turns caching off and frees what is kept).
    package static func setLimit(_ bytes: Int) {
        lock.lock()
        limit = max(0, bytes)
        evict(toFit: 0)
        lock.unlock()
    }

    /// Bytes currently kept.
    package static var keptBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return cachedBytes
    }

    /// A block of exactly `bytes` (aligned to `alignment`), reused when one is kept.
    static func allocate(bytes: Int, alignment: Int) -> UnsafeMutableRawPointer {
        guard bytes >= minimumBytes else { return .allocate(byteCount: bytes, alignment: alignment) }
        lock.lock()
        if limit > 0 {
            // Newest first: its pages are the most likely to be warm.
            if let index = cached.lastIndex(where: { $0.bytes == bytes }) {
                let pointer = cached.remove(at: index).pointer
                cachedBytes -= bytes
                liveSizes[pointer] = bytes
                lock.unlock()
                return pointer
            }
        }
        lock.unlock()
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: alignment)
        lock.lock()
        if limit > 0 { liveSizes[pointer] = bytes }
        lock.unlock()
        return pointer
    }

    /// Returns a block: kept when it came from `allocate` while caching is on and fits the limit
    /// (evicting the oldest kept blocks), freed otherwise.
    static func deallocate(_ pointer: UnsafeMutableRawPointer) {
        lock.lock()
        guard let bytes = liveSizes.removeValue(forKey: pointer), limit > 0, bytes <= limit else {
            lock.unlock()
            pointer.deallocate()
            return
        }
        evict(toFit: bytes)
        cached.append((bytes, pointer))
        cachedBytes += bytes
        lock.unlock()
    }

    /// Frees the oldest kept blocks until `incoming` more bytes fit under the limit. Holds the lock.
    private static func evict(toFit incoming: Int) {
        while !cached.isEmpty && cachedBytes + incoming > limit {
            let oldest = cached.removeFirst()
            cachedBytes -= oldest.bytes
            oldest.pointer.deallocate()
        }
    }
}
