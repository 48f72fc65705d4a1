import Kernels

/// A shared, checkpointable source of randomness for ops that draw at run time (dropout masks).
/// The training loop saves and restores `generator` so a resumed run draws the same masks.
public final class RandomSource: @unchecked Sendable {
    public var generator: SeededGenerator
    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    /// The process-wide source used by layers that are not given their own.
    public static let shared = RandomSource(seed: 0)
}

extension Tensor {
    /// PReLU (`nn.PReLU`): `x` where `x > 0`, else `a_c · x`, with one slope per channel
    /// (`weight` `[C]`) or one shared slope (`weight` `[1]`). Input `[N, C, ...]`.
    public func prelu(weight: Tensor) -> Tensor {
        precondition(shape.rank >= 2, "prelu: input needs [N, C, ...], got \(shape)")
        let n = shape[0], c = shape[1], plane = scalarCount / Swift.max(1, n * c)
        precondition(weight.shape == [c] || weight.shape == [1], "prelu: weight \(weight.shape) for \(c) channels")
        let shared = weight.shape == [1]
        let x = detached()
        let slopes = weight.scalars
        let output = Tensor.uninitialized(shape)
        let xp = UnsafePointer(x.storage.pointer), yp = output.storage.pointer
        Parallel.forEach(count: n * c) { p in
            let a = slopes[shared ? 0 : p % c]
            ElementwiseKernels.map(xp + p * plane, yp + p * plane, plane,
                                   { v in v.replacing(with: v * a, where: v .< 0) }, { v in v < 0 ? v * a : v })
        }
        return output.recording("prelu", inputs: [self, weight]) { gradOutput, needs in
            let dyp = UnsafePointer(gradOutput.storage.pointer)
            var dx: Tensor?
            if needs[0] {
                let gradient = Tensor.uninitialized(x.shape)
                let dxp = gradient.storage.pointer
                Parallel.forEach(count: n * c) { p in
                    let a = slopes[shared ? 0 : p % c]
                    ElementwiseKernels.zip(dyp + p * plane, xp + p * plane, dxp + p * plane, plane,
                                           { g, v in g.replacing(with: g * a, where: v .< 0) },
                                           { g, v in v < 0 ? g * a : g })
                }
                dx = gradient
            }
            var dw: Tensor?
            if needs[1] {
                // da_c = Σ dy·x over the elements where x < 0.
                var sums = [Float](repeating: 0, count: c)
                for p in 0..<(n * c) {
                    var total: Float = 0
                    for i in 0..<plane where xp[p * plane + i] < 0 { total += dyp[p * plane + i] * xp[p * plane + i] }
                    sums[p % c] += total
                }
                dw = shared ? Tensor(shape: [1], scalars: [sums.reduce(0, +)]) : Tensor(shape: [c], scalars: sums)
            }
            return [dx, dw]
        }
    }

    /// Inverted dropout (`nn.Dropout`): zeroes each element with probability `probability` and scales
    /// the kept ones by 1/(1 − p). The mask is drawn from `source`.
    public func dropout(probability: Float, source: RandomSource = .shared) -> Tensor {
        precondition(probability >= 0 && probability < 1, "dropout: probability \(probability) outside [0, 1)")
        if probability == 0 { return self }
        let keep = 1 / (1 - probability)
        let mask = Tensor.build(shape: shape) { m in
            for i in 0..<m.count { m[i] = source.generator.nextUniform() < probability ? 0 : keep }
        }
        let output = Tensor.elementwise(detached(), mask) { x, k, o, n in
            ElementwiseKernels.zip(x, k, o, n, { $0 * $1 }, { $0 * $1 })
        }
        return output.recording("dropout", inputs: [self]) { gradOutput, _ in [gradOutput.multiplying(mask)] }
    }

    /// Fully connected layer (`nn.Linear`): `y[N, out] = x[N, in] · weightᵀ + bias`, weight `[out, in]`.
    public func linear(weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(shape.rank == 2, "linear: input must be [N, in], got \(shape) (flatten first)")
        precondition(weight.shape.rank == 2 && weight.shape[1] == shape[1],
                     "linear: input has \(shape[1]) features, weight \(weight.shape) expects \(weight.shape.rank == 2 ? weight.shape[1] : -1)")
        let n = shape[0], inputs = shape[1], outputs = weight.shape[0]
        bias.map { precondition($0.shape == [outputs], "linear: bias \($0.shape) for \(outputs) outputs") }
        let x = detached(), w = weight.detached()
        let output = Tensor.uninitialized([n, outputs])
        let yp = output.storage.pointer
        if let bias {
            for row in 0..<n { (yp + row * outputs).update(from: bias.storage.pointer, count: outputs) }
        }
        BLAS.gemm(transposeB: true, m: n, n: outputs, k: inputs, a: x.storage.pointer, lda: inputs,
                  b: w.storage.pointer, ldb: inputs, beta: bias == nil ? 0 : 1, c: yp, ldc: outputs)
        var recorded = [self, weight]
        if let bias { recorded.append(bias) }
        return output.recording("linear", inputs: recorded) { gradOutput, needs in
            let dy = gradOutput.storage.pointer
            var grads: [Tensor?] = [nil, nil]
            if needs[0] {
                // dx[N, in] = dy[N, out] · w[out, in]
                let dx = Tensor.uninitialized([n, inputs])
                BLAS.gemm(m: n, n: inputs, k: outputs, a: dy, lda: outputs, b: w.storage.pointer, ldb: inputs,
                          c: dx.storage.pointer, ldc: inputs)
                grads[0] = dx
            }
            if needs[1] {
                // dw[out, in] = dyᵀ[out, N] · x[N, in]
                let dw = Tensor.uninitialized([outputs, inputs])
                BLAS.gemm(transposeA: true, m: outputs, n: inputs, k: n, a: dy, lda: outputs, b: x.storage.pointer,
                          ldb: inputs, c: dw.storage.pointer, ldc: inputs)
                grads[1] = dw
            }
            if recorded.count == 3 {
                grads.append(needs[2] ? Tensor.build(shape: [outputs]) { db in
                    for j in 0..<outputs {
                        var total: Float = 0
                        for row in 0..<n { total += dy[row * outputs + j] }
                        db[j] = total
                    }
                } : nil)
            }
            return grads
        }
    }
}
