/// Direct convolution for layers with very few output channels, such as a generator's last layer
/// (64 → 3 channels, 7×7 or SRResNet's 9×9): there im2col + gemm has M = 3 rows, far too thin for the
/// gemm kernels (about 15 GFLOP/s against 80 for wide layers). This loop keeps 3 output channels × 32
/// columns of accumulators in registers and streams each input row once per kernel row. Forward only,
/// stride 1, zero padding `p` handled in place (no padded copy of the input): rows outside the image
/// are skipped, and the few output columns whose window crosses the left or right edge take a
/// bounds-checked scalar loop.
///
/// Legend: `C` input channels, `O` output channels, `k` kernel size, `p` padding, `H, W` input size,
/// `Ho = H + 2p − k + 1`, `Wo = W + 2p − k + 1`, `(oy, ox)` output pixel; it reads input pixel
/// `(oy − p + ky, ox − p + kx)`.
package enum FewOutputConvKernels {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// `y[O, Ho, Wo] = Σ_c Σ_ky Σ_kx w[o, c, ky, kx] · x[c, oy − p + ky, ox − p + kx] + bias[o]` for one
    /// image, with `x` zero outside `H × W`.
    /// - Precondition: `Ho, Wo > 0`, `p ≥ 0`.
    package static func forward(
        inputChannels C: Int, outputChannels O: Int, height H: Int, width W: Int, kernelSize k: Int, padding p: Int = 0,
        x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>
    ) {
        let Ho = H + 2 * p - k + 1, Wo = W + 2 * p - k + 1
        precondition(Ho > 0 && Wo > 0 && p >= 0, "FewOutputConvKernels: kernel \(k) with padding \(p) does not fit \(H)×\(W)")
        // Output columns [left, right) read only columns inside the image.
        let left = min(p, Wo)
        let right = max(left, min(Wo, W + p - k + 1))
        Parallel.forEachChunk(count: Ho, minimumChunk: 4) { outputRows in
            for oy in outputRows {
                // Kernel rows whose input row lies inside the image.
                let first = max(0, p - oy)
                let rows = first ..< max(first, min(k, H + p - oy))
                var o = 0
                while o < O {
                    let group = min(3, O - o)
                    let g = Row(C: C, O: O, H: H, W: W, k: k, p: p, oy: oy, firstOutput: o, group: group, x: x, w: w,
                                bias: bias, y: y, Ho: Ho, Wo: Wo)
                    g.interior(columns: left ..< right, kernelRows: rows)
                    g.edge(columns: 0 ..< left, kernelRows: rows)
                    g.edge(columns: right ..< Wo, kernelRows: rows)
                    o += group
                }
            }
        }
    }

    /// Output row `oy` of output channels `firstOutput ..< firstOutput + group` (group ≤ 3).
    struct Row {
        let C: Int, H: Int, W: Int, k: Int, p: Int, oy: Int
        let x: UnsafePointer<Float>
        // Weights, biases and output rows of the group's channels (a missing channel repeats the last one;
        // its results are stored first and overwritten by the channel's own).
        let w0: UnsafePointer<Float>, w1: UnsafePointer<Float>, w2: UnsafePointer<Float>
        let b0: Float, b1: Float, b2: Float
        let out0: UnsafeMutablePointer<Float>, out1: UnsafeMutablePointer<Float>, out2: UnsafeMutablePointer<Float>

        @inline(__always)
        init(
            C: Int, O: Int, H: Int, W: Int, k: Int, p: Int, oy: Int, firstOutput: Int, group: Int, x: UnsafePointer<Float>,
            w: UnsafePointer<Float>, bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, Ho: Int, Wo: Int
        ) {
            (self.C, self.H, self.W, self.k, self.p, self.oy, self.x) = (C, H, W, k, p, oy, x)
            let (o0, o1, o2) = (firstOutput, firstOutput + min(1, group - 1), firstOutput + min(2, group - 1))
            (w0, w1, w2) = (w + o0 * C * k * k, w + o1 * C * k * k, w + o2 * C * k * k)
            (b0, b1, b2) = (bias?[o0] ?? 0, bias?[o1] ?? 0, bias?[o2] ?? 0)
            (out0, out1, out2) = (y + (o0 * Ho + oy) * Wo, y + (o1 * Ho + oy) * Wo, y + (o2 * Ho + oy) * Wo)
        }

        /// Columns whose windows lie inside the image (`ox − p ≥ 0`, `ox − p + k ≤ W`): unchecked loads.
        @inline(__always)
        func interior(columns: Range<Int>, kernelRows: Range<Int>) {
            var ox = columns.lowerBound
            let end = columns.upperBound
            // Input row of kernel row ky: oy − p + ky; column of kx: ox − p + kx.
            let shift = p * W + p
            // 32 columns at a time: 3 × 4 accumulators.
            while ox + 32 <= end {
                var a0 = V(repeating: b0), a1 = a0, a2 = a0, a3 = a0
                var c0 = V(repeating: b1), c1 = c0, c2 = c0, c3 = c0
                var d0 = V(repeating: b2), d1 = d0, d2 = d0, d3 = d0
                for c in 0..<C {
                    for ky in kernelRows {
                        let source = x + ((c * H + oy + ky) * W + ox - shift)
                        let weights = (c * k + ky) * k
                        for kx in 0..<k {
                            let q = source + kx
                            let x0 = load(q), x1 = load(q + 8), x2 = load(q + 16), x3 = load(q + 24)
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
                store(d0, out2 + ox); store(d1, out2 + ox + 8); store(d2, out2 + ox + 16); store(d3, out2 + ox + 24)
                store(c0, out1 + ox); store(c1, out1 + ox + 8); store(c2, out1 + ox + 16); store(c3, out1 + ox + 24)
                store(a0, out0 + ox); store(a1, out0 + ox + 8); store(a2, out0 + ox + 16); store(a3, out0 + ox + 24)
                ox += 32
            }
            // 8 columns at a time.
            while ox + 8 <= end {
                var a = V(repeating: b0), b = V(repeating: b1), d = V(repeating: b2)
                for c in 0..<C {
                    for ky in kernelRows {
                        let source = x + ((c * H + oy + ky) * W + ox - shift)
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
            while ox < end {
                var s0 = b0, s1 = b1, s2 = b2
                for c in 0..<C {
                    for ky in kernelRows {
                        let source = x + ((c * H + oy + ky) * W + ox - shift)
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

        /// Columns whose windows cross the image's left or right edge (at most `p` on each side):
        /// one at a time, over the kernel columns that land inside the image.
        func edge(columns: Range<Int>, kernelRows: Range<Int>) {
            for ox in columns {
                let firstColumn = max(0, p - ox)
                let kernelColumns = firstColumn ..< max(firstColumn, min(k, W + p - ox))
                var s0 = b0, s1 = b1, s2 = b2
                for c in 0..<C {
                    for ky in kernelRows {
                        let source = (c * H + oy - p + ky) * W + ox - p  // may be negative; + kx is not
                        let weights = (c * k + ky) * k
                        for kx in kernelColumns {
                            let value = x[source + kx]
                            s0 = s0.addingProduct(value, w0[weights + kx])
                            s1 = s1.addingProduct(value, w1[weights + kx])
                            s2 = s2.addingProduct(value, w2[weights + kx])
                        }
                    }
                }
                out2[ox] = s2
                out1[ox] = s1
                out0[ox] = s0
            }
        }
    }
}
