/// Per-plane normalization loops shared by batch norm and instance norm.
///
/// A "plane" is a contiguous run of `n` floats normalized with one mean and one inverse standard
/// deviation: an H·W image plane of one (sample, channel). Batch norm combines the N planes of a
/// channel; instance norm treats each plane alone. All loops use SIMD accumulators (PERF-NOTES P4).
///
/// Legend: `x` input, `y` output, `dy`/`dx` gradients, `n` plane length, `mean`, `invStd` = 1/√(var+eps),
/// `scale`/`shift` the affine γ/β of the plane's channel.
package enum NormalizationKernels {
    typealias V = SIMD8<Float>

    /// y = (x − mean)·invStd·scale + shift over one plane.
    package static func normalize(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int,
        mean: Float, invStd: Float, scale: Float, shift: Float
    ) {
        // Folded into one multiply-add: y = x·a + b with a = invStd·scale, b = shift − mean·a.
        let a = invStd * scale
        ElementwiseKernels.scaleShift(x, y, n, scale: a, shift: shift - mean * a)
    }

    /// (Σ dy, Σ dy·x̂) over one plane, where x̂ = (x − mean)·invStd.
    package static func gradientSums(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, mean: Float, invStd: Float
    ) -> (sumDy: Double, sumDyXhat: Double) {
        let sumDy = ElementwiseKernels.sum(dy, n)
        let dot = ElementwiseKernels.dot(dy, x, n)
        // Σ dy·(x − mean)·invStd = (Σ dy·x − mean·Σ dy)·invStd
        return (Double(sumDy), (Double(dot) - Double(mean) * Double(sumDy)) * Double(invStd))
    }

    /// dx = scale·invStd·(dy − meanDy − x̂·meanDyXhat) over one plane, where `meanDy` = Σdy/count
    /// and `meanDyXhat` = Σdy·x̂/count over all planes sharing the statistics (training mode).
    package static func inputGradient(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int,
        mean: Float, invStd: Float, scale: Float, meanDy: Float, meanDyXhat: Float
    ) {
        let k = scale * invStd
        let vk = V(repeating: k), vm = V(repeating: mean), vi = V(repeating: invStd)
        let vmd = V(repeating: meanDy), vmx = V(repeating: meanDyXhat)
        ElementwiseKernels.zip(dy, x, dx, n, { g, v in vk * (g - vmd - (v - vm) * vi * vmx) },
                               { g, v in k * (g - meanDy - (v - mean) * invStd * meanDyXhat) })
    }
}
