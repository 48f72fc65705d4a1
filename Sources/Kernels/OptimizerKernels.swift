/// In-place parameter updates. Legend: `p` parameter, `g` gradient, `m`/`v` Adam moments,
/// `b` momentum buffer, `n` count.
package enum OptimizerKernels {
    typealias V = SIMD8<Float>

    /// One Adam step (PyTorch `torch.optim.Adam`, L2 `weightDecay` added to the gradient):
    /// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − stepSize·m / (√v / √(1−β2ᵗ) + eps)
    /// where `stepSize` = lr / (1−β1ᵗ) and `correction2` = √(1−β2ᵗ).
    package static func adam(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, _ n: Int,
        stepSize: Float, beta1: Float, beta2: Float, epsilon: Float, correction2: Float, weightDecay: Float
    ) {
        let vb1 = V(repeating: beta1), vb2 = V(repeating: beta2)
        let c1 = V(repeating: 1 - beta1), c2 = V(repeating: 1 - beta2)
        let vstep = V(repeating: stepSize), veps = V(repeating: epsilon), vcorr = V(repeating: 1 / correction2)
        let vwd = V(repeating: weightDecay)
        var i = 0
        while i + 8 <= n {
            var grad = UnsafeRawPointer(g + i).loadUnaligned(as: V.self)
            var param = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
            if weightDecay != 0 { grad += vwd * param }
            let first = vb1 * UnsafeRawPointer(m + i).loadUnaligned(as: V.self) + c1 * grad
            let second = vb2 * UnsafeRawPointer(v + i).loadUnaligned(as: V.self) + c2 * grad * grad
            param -= vstep * first / ((second.squareRoot() * vcorr) + veps)
            UnsafeMutableRawPointer(m + i).storeBytes(of: first, as: V.self)
            UnsafeMutableRawPointer(v + i).storeBytes(of: second, as: V.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: param, as: V.self)
            i += 8
        }
        while i < n {
            var grad = g[i]
            if weightDecay != 0 { grad += weightDecay * p[i] }
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correction2 + epsilon)
            i += 1
        }
    }

    /// One SGD step with momentum (PyTorch `torch.optim.SGD`, dampening 0):
    /// g ← g + wd·p;  b ← μ·b + g (b ← g on the first step);  p ← p − lr·b.
    package static func sgd(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ n: Int,
        learningRate: Float, momentum: Float, weightDecay: Float, firstStep: Bool
    ) {
        for i in 0..<n {
            let grad = g[i] + weightDecay * p[i]
            if momentum != 0 {
                b[i] = firstStep ? grad : momentum * b[i] + grad
                p[i] -= learningRate * b[i]
            } else {
                p[i] -= learningRate * grad
            }
        }
    }
}
