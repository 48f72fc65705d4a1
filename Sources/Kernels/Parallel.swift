import Dispatch
import Foundation

/// The one thread-count setting shared by OpenBLAS, oneDNN's OpenMP pool (`DNNL` applies it on the
/// calling thread before every primitive runs) and the Swift loops.
///
/// Defaults to the `TRANSLATE_THREADS` environment variable when set, else every core.
/// Tests set `TRANSLATE_THREADS=1` (PERF-NOTES P7: two BLAS threads on a contended 2-core machine
/// can be slower than one).
public enum Parallel {
    nonisolated(unsafe) public private(set) static var threadCount: Int = {
        let count = defaultThreadCount
        BLAS.setThreadCount(count)
        return count
    }()

    /// `TRANSLATE_THREADS` if it is a positive integer, else the number of active cores.
    public static var defaultThreadCount: Int {
        if let text = ProcessInfo.processInfo.environment["TRANSLATE_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Sets the worker count for OpenBLAS, oneDNN and `forEachChunk`.
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "thread count must be at least 1, got \(count)")
        threadCount = count
        BLAS.setThreadCount(count)
    }

    /// The BLAS kernel family picked at run time, for benchmark reports.
    public static var blasCoreName: String { BLAS.coreName }

    /// Splits `0..<count` into at most `threadCount` contiguous chunks of at least `minimumChunk`
    /// items and runs `body` on each, concurrently when there is more than one chunk.
    @inline(__always)
    package static func forEachChunk(count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(threadCount, max(1, count / max(1, minimumChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the workers.
    @inline(__always)
    package static func forEach(count: Int, _ body: (Int) -> Void) {
        forEachChunk(count: count) { range in
            for i in range { body(i) }
        }
    }
}
