import Foundation
import Kernels

extension Tensor {
    /// `[N, C, H·W]` view sizes of an `[N, C, H, W]` or `[N, C]` tensor.
    fileprivate var normalizationLayout: (n: Int, c: Int, plane: Int) {
        precondition(shape.rank == 4 || shape.rank == 2, "normalization needs [N, C, H, W] or [N, C], got \(shape)")
        let plane = shape.rank == 4 ? shape[2] * shape[3] : 1
        return (shape[0], shape[1], plane)
    }

    /// Batch normalization (`nn.BatchNorm2d` / `BatchNorm1d`).
    ///
    /// Training uses the batch statistics over N, H, W and updates the running statistics in place
    /// (`running = (1 − momentum)·running + momentum·batch`, unbiased variance, as PyTorch). Inference
    /// uses the running statistics. Without running statistics, batch statistics are always used.
    /// - Parameters:
    ///   - scale: γ `[C]`, or nil for 1.
    ///   - offset: β `[C]`, or nil for 0.
    public func batchNormalized(
        scale: Tensor?, offset: Tensor?, runningMean: Parameter?, runningVariance: Parameter?,
        training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5
    ) -> Tensor {
        let (n, c, plane) = normalizationLayout
        scale.map { precondition($0.shape == [c], "batchNorm: scale \($0.shape) for \(c) channels") }
        offset.map { precondition($0.shape == [c], "batchNorm: offset \($0.shape) for \(c) channels") }
        let useBatchStatistics = training || runningMean == nil || runningVariance == nil
        let count = n * plane
        let x = detached()
        var means = [Float](repeating: 0, count: c), invStds = [Float](repeating: 0, count: c)
        var variances = [Float](repeating: 0, count: c)
        let xp = UnsafePointer(x.storage.pointer)
        if useBatchStatistics {
            precondition(count > 1 || !training, "batchNorm: training needs more than one value per channel, got \(shape)")
            means.withUnsafeMutableBufferPointer { meanBuffer in
                variances.withUnsafeMutableBufferPointer { varianceBuffer in
                    let mp = meanBuffer.baseAddress!, vp = varianceBuffer.baseAddress!
                    Parallel.forEach(count: c) { ch in
                        var total = 0.0
                        for s in 0..<n { total += Double(ElementwiseKernels.sum(xp + (s * c + ch) * plane, plane)) }
                        let mean = Float(total / Double(count))
                        var squares = 0.0
                        for s in 0..<n {
                            squares += Double(ElementwiseKernels.sumOfSquaredDeviations(xp + (s * c + ch) * plane, plane, mean: mean))
                        }
                        mp[ch] = mean
                        vp[ch] = Float(squares / Double(count))
                    }
                }
            }
            for ch in 0..<c { invStds[ch] = 1 / (variances[ch] + epsilon).squareRoot() }
            if training, let runningMean, let runningVariance {
                let correction = Float(count) / Float(Swift.max(1, count - 1))
                runningMean.updateInPlace { rm in
                    for ch in 0..<c { rm[ch] = (1 - momentum) * rm[ch] + momentum * means[ch] }
                }
                runningVariance.updateInPlace { rv in
                    for ch in 0..<c { rv[ch] = (1 - momentum) * rv[ch] + momentum * variances[ch] * correction }
                }
            }
        } else {
            let rm = runningMean!.value.scalars, rv = runningVariance!.value.scalars
            for ch in 0..<c {
                means[ch] = rm[ch]
                invStds[ch] = 1 / (rv[ch] + epsilon).squareRoot()
            }
        }
        let gammas = scale?.scalars ?? [Float](repeating: 1, count: c)
        let betas = offset?.scalars ?? [Float](repeating: 0, count: c)
        let output = Tensor.uninitialized(shape)
        let yp = output.storage.pointer
        Parallel.forEach(count: n * c) { p in
            let ch = p % c
            NormalizationKernels.normalize(xp + p * plane, yp + p * plane, plane, mean: means[ch], invStd: invStds[ch],
                                           scale: gammas[ch], shift: betas[ch])
        }
        var inputs = [self]
        if let scale { inputs.append(scale) }
        if let offset { inputs.append(offset) }
        let hasScale = scale != nil, hasOffset = offset != nil
        return output.recording("batchNorm", inputs: inputs) { gradOutput, needs in
            let dyp = UnsafePointer(gradOutput.storage.pointer)
            // Per-channel Σdy and Σdy·x̂ over N, H, W: the per-plane sums added over the samples.
            let (planeDy, planeDyXhat) = Tensor.planeGradientSums(dyp, xp, planes: n * c, plane: plane,
                                                                  means: means, invStds: invStds, channels: c)
            let sumDy = Tensor.sumPerChannel(planeDy, channels: c)
            let sumDyXhat = Tensor.sumPerChannel(planeDyXhat, channels: c)
            var grads: [Tensor?] = []
            if needs[0] {
                let dx = Tensor.uninitialized(x.shape)
                let dxp = dx.storage.pointer
                Parallel.forEach(count: n * c) { p in
                    let ch = p % c
                    // With running statistics (inference) the statistics are constants: dx = γ·invStd·dy.
                    let meanDy = useBatchStatistics ? Float(sumDy[ch] / Double(count)) : 0
                    let meanDyXhat = useBatchStatistics ? Float(sumDyXhat[ch] / Double(count)) : 0
                    NormalizationKernels.inputGradient(dyp + p * plane, xp + p * plane, dxp + p * plane, plane,
                                                       mean: means[ch], invStd: invStds[ch], scale: gammas[ch],
                                                       meanDy: meanDy, meanDyXhat: meanDyXhat)
                }
                grads.append(dx)
            } else {
                grads.append(nil)
            }
            var index = 1
            if hasScale {
                grads.append(needs[index] ? Tensor(shape: [c], scalars: sumDyXhat.map(Float.init)) : nil)
                index += 1
            }
            if hasOffset {
                grads.append(needs[index] ? Tensor(shape: [c], scalars: sumDy.map(Float.init)) : nil)
            }
            return grads
        }
    }

    /// Instance normalization (`nn.InstanceNorm2d`, eps 1e-5, no running statistics): each
    /// (sample, channel) plane is normalized by its own mean and biased variance, then the optional
    /// per-channel affine `scale`·x̂ + `offset` is applied.
    public func instanceNormalized(scale: Tensor?, offset: Tensor?, epsilon: Float = 1e-5) -> Tensor {
        let (n, c, plane) = normalizationLayout
        precondition(plane > 1, "instanceNorm: needs more than one spatial element per channel, got \(shape)")
        scale.map { precondition($0.shape == [c], "instanceNorm: scale \($0.shape) for \(c) channels") }
        offset.map { precondition($0.shape == [c], "instanceNorm: offset \($0.shape) for \(c) channels") }
        let x = detached()
        let xp = UnsafePointer(x.storage.pointer)
        let planes = n * c
        var means = [Float](repeating: 0, count: planes), invStds = [Float](repeating: 0, count: planes)
        let gammas = scale?.scalars ?? [Float](repeating: 1, count: c)
        let betas = offset?.scalars ?? [Float](repeating: 0, count: c)
        let output = Tensor.uninitialized(shape)
        let yp = output.storage.pointer
        means.withUnsafeMutableBufferPointer { meanBuffer in
            invStds.withUnsafeMutableBufferPointer { invBuffer in
                let mp = meanBuffer.baseAddress!, ip = invBuffer.baseAddress!
                Parallel.forEach(count: planes) { p in
                    let start = xp + p * plane
                    let mean = ElementwiseKernels.sum(start, plane) / Float(plane)
                    let variance = ElementwiseKernels.sumOfSquaredDeviations(start, plane, mean: mean) / Float(plane)
                    let invStd = 1 / (variance + epsilon).squareRoot()
                    mp[p] = mean
                    ip[p] = invStd
                    NormalizationKernels.normalize(start, yp + p * plane, plane, mean: mean, invStd: invStd,
                                                   scale: gammas[p % c], shift: betas[p % c])
                }
            }
        }
        var inputs = [self]
        if let scale { inputs.append(scale) }
        if let offset { inputs.append(offset) }
        let hasScale = scale != nil, hasOffset = offset != nil
        return output.recording("instanceNorm", inputs: inputs) { gradOutput, needs in
            let dyp = UnsafePointer(gradOutput.storage.pointer)
            let (sumDy, sumDyXhat) = Tensor.planeGradientSums(dyp, xp, planes: planes, plane: plane,
                                                              means: means, invStds: invStds, channels: planes)
            var grads: [Tensor?] = []
            if needs[0] {
                let dx = Tensor.uninitialized(x.shape)
                let dxp = dx.storage.pointer
                Parallel.forEach(count: planes) { p in
                    NormalizationKernels.inputGradient(dyp + p * plane, xp + p * plane, dxp + p * plane, plane,
                                                       mean: means[p], invStd: invStds[p], scale: gammas[p % c],
                                                       meanDy: Float(sumDy[p] / Double(plane)),
                                                       meanDyXhat: Float(sumDyXhat[p] / Double(plane)))
                }
                grads.append(dx)
            } else {
                grads.append(nil)
            }
            // γ and β gradients sum over the samples.
            func perChannel(_ values: [Double]) -> Tensor {
                Tensor(shape: [c], scalars: Tensor.sumPerChannel(values, channels: c).map(Float.init))
            }
            var index = 1
            if hasScale {
                grads.append(needs[index] ? perChannel(sumDyXhat) : nil)
                index += 1
            }
            if hasOffset { grads.append(needs[index] ? perChannel(sumDy) : nil) }
            return grads
        }
    }
}

extension Tensor {
    /// (Σdy, Σdy·x̂) of every contiguous plane of `plane` floats, in parallel; plane `p` uses the
    /// statistics at index `p % channels` (a channel for batch norm, the plane itself for instance norm).
    fileprivate static func planeGradientSums(
        _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, planes: Int, plane: Int,
        means: [Float], invStds: [Float], channels: Int
    ) -> (sumDy: [Double], sumDyXhat: [Double]) {
        var sumDy = [Double](repeating: 0, count: planes), sumDyXhat = [Double](repeating: 0, count: planes)
        sumDy.withUnsafeMutableBufferPointer { sd in
            sumDyXhat.withUnsafeMutableBufferPointer { sx in
                let sdp = sd.baseAddress!, sxp = sx.baseAddress!
                Parallel.forEach(count: planes) { p in
                    let sums = NormalizationKernels.gradientSums(dy + p * plane, x + p * plane, plane,
                                                                 mean: means[p % channels], invStd: invStds[p % channels])
                    sdp[p] = sums.sumDy
                    sxp[p] = sums.sumDyXhat
                }
            }
        }
        return (sumDy, sumDyXhat)
    }

    /// Sums per-plane values of an `[N, C]` plane grid into one value per channel.
    fileprivate static func sumPerChannel(_ values: [Double], channels: Int) -> [Double] {
        var result = [Double](repeating: 0, count: channels)
        for p in values.indices { result[p % channels] += values[p] }
        return result
    }
}
