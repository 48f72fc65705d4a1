/// Elementwise loops over raw buffers: `SIMD8<Float>` bodies with a scalar tail, compiled for
/// AVX2/FMA. Comparisons use `replacing(with:where:)`, never `pointwiseMax` (PERF-NOTES P2).
///
/// Legend: `x`, `y` inputs, `out` output, `dy` output gradient, `dx` input gradient, `n` count.
package enum ElementwiseKernels {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// out[i] = f(x[i]); the SIMD and scalar bodies must agree.
    @inline(__always)
    package static func map(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        _ vector: (SIMD8<Float>) -> SIMD8<Float>, _ scalar: (Float) -> Float
    ) {
        var i = 0
        while i + 8 <= n {
            store(vector(load(x, i)), out, i)
            i += 8
        }
        while i < n {
            out[i] = scalar(x[i])
            i += 1
        }
    }

    /// out[i] = f(x[i], y[i]).
    @inline(__always)
    package static func zip(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        _ vector: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>, _ scalar: (Float, Float) -> Float
    ) {
        var i = 0
        while i + 8 <= n {
            store(vector(load(x, i), load(y, i)), out, i)
            i += 8
        }
        while i < n {
            out[i] = scalar(x[i], y[i])
            i += 1
        }
    }

    /// out[i] = f(x[i], y[i], z[i]).
    @inline(__always)
    package static func zip3(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ n: Int,
        _ vector: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>,
        _ scalar: (Float, Float, Float) -> Float
    ) {
        var i = 0
        while i + 8 <= n {
            store(vector(load(x, i), load(y, i), load(z, i)), out, i)
            i += 8
        }
        while i < n {
            out[i] = scalar(x[i], y[i], z[i])
            i += 1
        }
    }

    /// Σ x[i] in `Double`-free SIMD accumulation (8 lanes × 2 accumulators, PERF-NOTES P4).
    package static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = V(), a1 = V()
        var i = 0
        while i + 16 <= n {
            a0 += load(x, i)
            a1 += load(x, i + 8)
            i += 16
        }
        while i + 8 <= n {
            a0 += load(x, i)
            i += 8
        }
        var total = (a0 + a1).sum()
        while i < n {
            total += x[i]
            i += 1
        }
        return total
    }

    /// (Σ x[i], Σ x[i]²) with SIMD accumulators, summed in `Double` at the end.
    package static func sumAndSumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> (Double, Double) {
        var s0 = V(), s1 = V(), q0 = V(), q1 = V()
        var i = 0
        while i + 16 <= n {
            let v0 = load(x, i), v1 = load(x, i + 8)
            s0 += v0
            s1 += v1
            q0.addProduct(v0, v0)
            q1.addProduct(v1, v1)
            i += 16
        }
        var s = Double((s0 + s1).sum()), q = Double((q0 + q1).sum())
        while i < n {
            s += Double(x[i])
            q += Double(x[i]) * Double(x[i])
            i += 1
        }
        return (s, q)
    }

    /// Σ x[i]·y[i].
    package static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var a0 = V(), a1 = V()
        var i = 0
        while i + 16 <= n {
            a0.addProduct(load(x, i), load(y, i))
            a1.addProduct(load(x, i + 8), load(y, i + 8))
            i += 16
        }
        var total = (a0 + a1).sum()
        while i < n {
            total += x[i] * y[i]
            i += 1
        }
        return total
    }

    /// Σ (x[i] - mean)² — the two-pass variance numerator, stable for large means.
    package static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        let m = V(repeating: mean)
        var a0 = V(), a1 = V()
        var i = 0
        while i + 16 <= n {
            let d0 = load(x, i) - m, d1 = load(x, i + 8) - m
            a0.addProduct(d0, d0)
            a1.addProduct(d1, d1)
            i += 16
        }
        var total = (a0 + a1).sum()
        while i < n {
            let d = x[i] - mean
            total += d * d
            i += 1
        }
        return total
    }

    /// out[i] = x[i] · scale + shift.
    package static func scaleShift(
        _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, scale: Float, shift: Float
    ) {
        let s = V(repeating: scale), b = V(repeating: shift)
        map(x, out, n, { v in v * s + b }, { v in v * scale + shift })
    }

    /// out[i] += x[i].
    package static func accumulate(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ n: Int) {
        zip(x, UnsafePointer(out), out, n, { a, b in a + b }, { a, b in a + b })
    }

    /// out[i] = value.
    package static func fill(_ out: UnsafeMutablePointer<Float>, _ n: Int, value: Float) {
        out.update(repeating: value, count: n)
    }
}
