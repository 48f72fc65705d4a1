/// Direct convolution for layers with very few output channels, such as a generator's last layer
/// (64 → 3 channels, 7×7): there im2col + gemm has M = 3 rows, far too thin for the gemm kernels
/// (about 15 GFLOP/s against 80 for wide layers). This loop keeps 3 output channels × 32 columns
/// of accumulators in registers and streams each input row once per kernel row. Forward only,
/// stride 1, no padding (pad the input first).
///
/// Legend: `C` input channels, `O` output channels, `k` kernel size, `H, W` input size,
/// `Ho = H − k + 1`, `Wo = W − k + 1`, `(oy, ox)` output pixel.
package enum FewOutputConvKernels {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// `y[O, Ho, Wo] = Σ_c Σ_ky Σ_kx w[o, c, ky, kx] · x[c, oy + ky, ox + kx] + bias[o]` for one image.
    package static func forward(
        inputChannels C: Int, outputChannels O: Int, height H: Int, width W: Int, kernelSize k: Int,
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
    ) {
        let Ho = H - k + 1, Wo = W - k + 1
        assert(Ho > 0 && Wo > 0)
        Parallel.forEachChunk(count: Ho, minimumChunk: 4) { outputRows in
            for oy in outputRows {
                var o = 0
                while o < O {
                    let group = min(3, O - o)
                    row(C: C, O: O, H: H, W: W, k: k, oy: oy, firstOutput: o, group: group, x: x, w: w, bias: bias,
                        y: y, Ho: Ho, Wo: Wo)
                    o += group
                }
            }
        }
    }

    /// Output row `oy` of output channels `firstOutput ..< firstOutput + group` (group ≤ 3).
    @inline(__always)
    static func row(
        C: Int, O: Int, H: Int, W: Int, k: Int, oy: Int, firstOutput: Int, group: Int, x: UnsafePointer<Float>,
        w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, Ho: Int, Wo: Int
    ) {
        // Weights of the group's channels (a missing third channel reads channel 0's weights and is dropped).
        let w0 = w + firstOutput * C * k * k
        let w1 = w + (firstOutput + min(1, group - 1)) * C * k * k
        let w2 = w + (firstOutput + min(2, group - 1)) * C * k * k
        let b0 = bias?[firstOutput] ?? 0
        let b1 = bias?[firstOutput + min(1, group - 1)] ?? 0
        let b2 = bias?[firstOutput + min(2, group - 1)] ?? 0
        let out0 = y + (firstOutput * Ho + oy) * Wo
        let out1 = y + ((firstOutput + min(1, group - 1)) * Ho + oy) * Wo
        let out2 = y + ((firstOutput + min(2, group - 1)) * Ho + oy) * Wo
        var ox = 0
        // 32 columns at a time: 3 × 4 accumulators.
        while ox + 32 <= Wo {
            var a0 = V(repeating: b0), a1 = a0, a2 = a0, a3 = a0
            var c0 = V(repeating: b1), c1 = c0, c2 = c0, c3 = c0
            var d0 = V(repeating: b2), d1 = d0, d2 = d0, d3 = d0
            for c in 0..<C {
                for ky in 0..<k {
                    let source = x + (c * H + oy + ky) * W + ox
                    let weights = (c * k + ky) * k
                    for kx in 0..<k {
                        let p = source + kx
                        let x0 = load(p), x1 = load(p + 8), x2 = load(p + 16), x3 = load(p + 24)
                        let u = V(repeating: w0[weights + kx]), v = V(repeating: w1[weights + kx])
                        let t = V(repeating: w2[weights + kx])
                        a0 = a0.addingProduct(x0, u); a1 = a1.addingProduct(x1, u)
                        a2 = a2.addingProduct(x2, u); a3 = a3.addingProduct(x3, u)
                        c0 = c0.addingProduct(x0, v); c1 = c1.addingProduct(x1, v)
                        c2 = c2.addingProduct(x2, v); c3 = c3.addingProduct(x3, v)
                        d0 = d0.addingProduct(x0, t); d1 = d1.addingProduct(x1, t)
                        d2 = d2.addingProduct(x2, t); d3 = d3.addingProduct(x3, t)
                    }
                }
            }
            // Stores in reverse group order, so a duplicated channel ends with its own result.
            store(d0, out2 + ox); store(d1, out2 + ox + 8); store(d2, out2 + ox + 16); store(d3, out2 + ox + 24)
            store(c0, out1 + ox); store(c1, out1 + ox + 8); store(c2, out1 + ox + 16); store(c3, out1 + ox + 24)
            store(a0, out0 + ox); store(a1, out0 + ox + 8); store(a2, out0 + ox + 16); store(a3, out0 + ox + 24)
            ox += 32
        }
        // 8 columns at a time.
        while ox + 8 <= Wo {
            var a = V(repeating: b0), b = V(repeating: b1), d = V(repeating: b2)
            for c in 0..<C {
                for ky in 0..<k {
                    let source = x + (c * H + oy + ky) * W + ox
                    let weights = (c * k + ky) * k
                    for kx in 0..<k {
                        let value = load(source + kx)
                        a = a.addingProduct(value, V(repeating: w0[weights + kx]))
                        b = b.addingProduct(value, V(repeating: w1[weights + kx]))
                        d = d.addingProduct(value, V(repeating: w2[weights + kx]))
                    }
                }
            }
            store(d, out2 + ox)
            store(b, out1 + ox)
            store(a, out0 + ox)
            ox += 8
        }
        // The remaining columns one at a time.
        while ox < Wo {
            var s0 = b0, s1 = b1, s2 = b2
            for c in 0..<C {
                for ky in 0..<k {
                    let source = x + (c * H + oy + ky) * W + ox
                    let weights = (c * k + ky) * k
                    for kx in 0..<k {
                        let value = source[kx]
                        s0 = s0.addingProduct(value, w0[weights + kx])
                        s1 = s1.addingProduct(value, w1[weights + kx])
                        s2 = s2.addingProduct(value, w2[weights + kx])
                    }
                }
            }
            out2[ox] = s2
            out1[ox] = s1
            out0[ox] = s0
            ox += 1
        }
    }
}
