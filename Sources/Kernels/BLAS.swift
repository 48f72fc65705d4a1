import CBLAS

/// Row-major wrappers around OpenBLAS. The only file that imports `CBLAS`.
package enum BLAS {
    /// `c[m, n] = alpha · op(a)[m, k] · op(b)[k, n] + beta · c`, all row-major.
    /// - Parameters:
    ///   - transposeA: `a` is stored `[k, m]` (leading dimension `lda`) and used transposed.
    ///   - transposeB: `b` is stored `[n, k]` and used transposed.
    @inline(__always)
    package static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        assert(m > 0 && n > 0 && k > 0)
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets OpenBLAS's worker count. Called only by `Parallel.setThreadCount`.
    package static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(count))
    }

    /// The name of the kernel family OpenBLAS picked for this CPU at run time ("Zen", "SkylakeX", …).
    package static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}

extension BLAS {
    /// OpenBLAS's build description ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64").
    package static var configuration: String {
        guard let text = openblas_get_config() else { return "unknown" }
        return String(cString: text)
    }
}
