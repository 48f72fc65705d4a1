import Foundation

/// One axis of a separable resize: for each output index, `taps` source indices and weights.
///
/// Built to match PyTorch's `F.interpolate(mode=…, align_corners=False)` without antialias: the source
/// coordinate of output `i` is `(i + 0.5)·in/out − 0.5` computed in `Float`; bilinear clamps it at 0
/// and uses 2 taps, bicubic uses 4 taps of Keys' kernel with `A = −0.75` and clamps the indices to the
/// border.
package struct ResizeAxis: Sendable {
    package enum Method: Hashable, Sendable { case bilinear, bicubic }

    package let inputCount, outputCount, taps: Int
    /// `outputCount·taps` source indices, each in `0..<inputCount`.
    package let indices: [Int]
    /// `outputCount·taps` weights summing to 1 per output.
    package let weights: [Float]

    package init(input: Int, output: Int, method: Method) {
        precondition(input > 0 && output > 0, "resize axis \(input) → \(output)")
        inputCount = input
        outputCount = output
        let scale = Float(input) / Float(output)
        var indices: [Int] = []
        var weights: [Float] = []
        switch method {
        case .bilinear:
            taps = 2
            for i in 0..<output {
                let source = max(0, scale * (Float(i) + 0.5) - 0.5)
                let index = min(Int(source.rounded(.down)), input - 1)
                let lambda = min(max(source - Float(index), 0), 1)
                indices += [index, index + (index < input - 1 ? 1 : 0)]
                weights += [1 - lambda, lambda]
            }
        case .bicubic:
            taps = 4
            let a: Float = -0.75
            // Keys' cubic convolution kernel, as PyTorch's `cubic_convolution1/2`.
            func near(_ t: Float) -> Float { ((a + 2) * t - (a + 3)) * t * t + 1 }  // |t| ≤ 1
            func far(_ t: Float) -> Float { ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }  // 1 < |t| < 2
            for i in 0..<output {
                let source = scale * (Float(i) + 0.5) - 0.5  // not clamped for cubic
                let index = min(Int(source.rounded(.down)), input - 1)
                let t = min(max(source - Float(index), 0), 1)
                for j in 0..<4 { indices.append(min(max(index - 1 + j, 0), input - 1)) }
                weights += [far(t + 1), near(t), near(1 - t), far(2 - t)]
            }
        }
        self.indices = indices
        self.weights = weights
    }
}

/// Separable 2-D resize of `planes` independent planes: a horizontal pass into `[planes, Hin, Wout]`
/// scratch, then a vertical pass. The output is `Σ_i wy_i · (Σ_j wx_j · x[iy_i, ix_j])`, the nesting
/// PyTorch uses.
///
/// Legend: `(oy, ox)` output pixel, `t` tap, `Hi, Wi` input size, `Ho, Wo` output size.
package enum ResizeKernels {
    /// `y[planes, Ho, Wo]` from `x[planes, Hi, Wi]`. `scratch` holds `planes·Hi·Wo` floats. Overwrites `y`.
    package static func forward(
        planes: Int, rows: ResizeAxis, columns: ResizeAxis, x: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (Hi, Wi, Ho, Wo) = (rows.inputCount, columns.inputCount, rows.outputCount, columns.outputCount)
        rows.indices.withUnsafeBufferPointer { iy in
        rows.weights.withUnsafeBufferPointer { wy in
        columns.indices.withUnsafeBufferPointer { ix in
        columns.weights.withUnsafeBufferPointer { wx in
            Parallel.forEachChunk(count: planes, minimumChunk: max(1, 16384 / max(1, Ho * Wo))) { chunk in
                for plane in chunk {
                    let xp = x + plane * Hi * Wi, tp = scratch + plane * Hi * Wo, yp = y + plane * Ho * Wo
                    // Horizontal: tmp[y, ox] = Σ_t wx · x[y, ix]
                    for row in 0..<Hi {
                        let src = xp + row * Wi, dst = tp + row * Wo
                        for ox in 0..<Wo {
                            var total = src[ix[ox * columns.taps]] * wx[ox * columns.taps]
                            for t in 1..<columns.taps {
                                total += src[ix[ox * columns.taps + t]] * wx[ox * columns.taps + t]
                            }
                            dst[ox] = total
                        }
                    }
                    // Vertical: y[oy, ·] = Σ_t wy · tmp[iy, ·]
                    for oy in 0..<Ho {
                        let dst = yp + oy * Wo
                        let first = tp + iy[oy * rows.taps] * Wo, w0 = wy[oy * rows.taps]
                        for ox in 0..<Wo { dst[ox] = first[ox] * w0 }
                        for t in 1..<rows.taps {
                            let src = tp + iy[oy * rows.taps + t] * Wo, weight = wy[oy * rows.taps + t]
                            for ox in 0..<Wo { dst[ox] += src[ox] * weight }
                        }
                    }
                }
            }
        }}}}
    }

    /// The adjoint of `forward`: `dx[planes, Hi, Wi]` from `dy[planes, Ho, Wo]`. `scratch` holds
    /// `planes·Hi·Wo` floats. Overwrites `dx`.
    package static func backward(
        planes: Int, rows: ResizeAxis, columns: ResizeAxis, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (Hi, Wi, Ho, Wo) = (rows.inputCount, columns.inputCount, rows.outputCount, columns.outputCount)
        rows.indices.withUnsafeBufferPointer { iy in
        rows.weights.withUnsafeBufferPointer { wy in
        columns.indices.withUnsafeBufferPointer { ix in
        columns.weights.withUnsafeBufferPointer { wx in
            Parallel.forEachChunk(count: planes, minimumChunk: max(1, 16384 / max(1, Ho * Wo))) { chunk in
                for plane in chunk {
                    let dyp = dy + plane * Ho * Wo, tp = scratch + plane * Hi * Wo, dxp = dx + plane * Hi * Wi
                    // Vertical adjoint: dtmp[iy, ·] += wy · dy[oy, ·]
                    tp.update(repeating: 0, count: Hi * Wo)
                    for oy in 0..<Ho {
                        let src = dyp + oy * Wo
                        for t in 0..<rows.taps {
                            let dst = tp + iy[oy * rows.taps + t] * Wo, weight = wy[oy * rows.taps + t]
                            for ox in 0..<Wo { dst[ox] += src[ox] * weight }
                        }
                    }
                    // Horizontal adjoint: dx[y, ix] += wx · dtmp[y, ox]
                    dxp.update(repeating: 0, count: Hi * Wi)
                    for row in 0..<Hi {
                        let src = tp + row * Wo, dst = dxp + row * Wi
                        for ox in 0..<Wo {
                            for t in 0..<columns.taps {
                                dst[ix[ox * columns.taps + t]] += src[ox] * wx[ox * columns.taps + t]
                            }
                        }
                    }
                }
            }
        }}}}
    }
}

/// Nearest-neighbour upsampling by an integer factor, PyTorch's
/// `F.interpolate(scale_factor=s, mode='nearest')` for integer `s`: `y[p, oy, ox] = x[p, oy/s, ox/s]`.
/// The backward sums each `s × s` block of the output gradient into its source pixel.
///
/// Legend: `p` plane (n·C + c), `(h, w)` input pixel, `(i, j)` offset in the block, `s` factor.
package enum NearestUpsampleKernels {
    /// `y[planes, H·s, W·s]` from `x[planes, H, W]`. Overwrites `y`.
    package static func forward(planes: Int, height H: Int, width W: Int, factor s: Int,
                                x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let Wo = W * s
        Parallel.forEachChunk(count: planes, minimumChunk: max(1, 16384 / max(1, H * W * s * s))) { chunk in
            for p in chunk {
                let xp = x + p * H * W, yp = y + p * H * W * s * s
                for h in 0..<H {
                    let first = yp + h * s * Wo, src = xp + h * W
                    for w in 0..<W {
                        let value = src[w]
                        for j in 0..<s { first[w * s + j] = value }
                    }
                    for i in 1..<max(1, s) { (first + i * Wo).update(from: first, count: Wo) }
                }
            }
        }
    }

    /// `dx[planes, H, W]` from `dy[planes, H·s, W·s]`: the sum over each block. Overwrites `dx`.
    package static func backward(planes: Int, height H: Int, width W: Int, factor s: Int,
                                 dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let Wo = W * s
        Parallel.forEachChunk(count: planes, minimumChunk: max(1, 16384 / max(1, H * W * s * s))) { chunk in
            for p in chunk {
                let dxp = dx + p * H * W, dyp = dy + p * H * W * s * s
                for h in 0..<H {
                    let target = dxp + h * W
                    for w in 0..<W { target[w] = 0 }
                    for i in 0..<s {
                        let row = dyp + (h * s + i) * Wo
                        for w in 0..<W {
                            var total: Float = 0
                            for j in 0..<s { total += row[w * s + j] }
                            target[w] += total
                        }
                    }
                }
            }
        }
    }
}
