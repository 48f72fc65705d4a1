import Kernels

extension Tensor {
    /// One-time process set-up: keep freed tensor memory warm in the heap (PERF-NOTES P5) and apply
    /// the thread setting to OpenBLAS.
    public static func configureRuntime() {
        AlignedMemory.configureAllocator()
        _ = Parallel.threadCount
    }
}
