/// Shape of one 2-D convolution (NCHW input, OIHW weight), shared by its three kernels.
///
/// The weight is used as the row-major matrix `W[O, K]` with `K = C·kh·kw`; the input patches of
/// one image form `col[K, Ho·Wo]` (im2col), so `y = W · col` is one gemm.
package struct Conv2DGeometry: Hashable, Sendable {
    package var batch, inputChannels, outputChannels, height, width: Int
    package var kernelHeight, kernelWidth, stride, padding: Int
    /// Target size of one col tile (see `tileRows`); tests shrink it to force many tiles.
    package var tileBytes: Int

    package init(
        batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0,
        tileBytes: Int = Conv2DKernels.defaultTileBytes
    ) {
        self.tileBytes = tileBytes
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
    }

    package var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    package var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// `K`, the length of one flattened input patch: `C·kh·kw`.
    package var patchSize: Int { inputChannels * kernelHeight * kernelWidth }
    package var inputPlane: Int { height * width }
    package var outputPlane: Int { outputHeight * outputWidth }

    /// True when every size is positive and the kernel fits the padded input.
    package var isValid: Bool {
        batch > 0 && inputChannels > 0 && outputChannels > 0 && height > 0 && width > 0
            && kernelHeight > 0 && kernelWidth > 0 && stride > 0 && padding >= 0
            && height + 2 * padding >= kernelHeight && width + 2 * padding >= kernelWidth
    }

    /// 1×1, stride 1, no padding: `col` is the input itself, so im2col/col2im are skipped.
    package var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Multiply-adds of one pass (forward, backward-input and backward-weight each cost this).
    package var multiplyAdds: Int { batch * outputChannels * patchSize * outputPlane }

    /// Output rows per im2col tile. The col tile `[K, rows·Wo]` is kept near `tileBytes` so that im2col
    /// writes and the gemm reads it from cache instead of streaming a 36–144 MiB buffer through DRAM
    /// (PERF-NOTES §3).
    package var tileRows: Int {
        let rowBytes = patchSize * outputWidth * MemoryLayout<Float>.stride
        return max(1, min(outputHeight, tileBytes / max(1, rowBytes)))
    }

    /// Floats of scratch that `forward`, `backwardInput` and `backwardWeight` need (0 when pointwise).
    package var scratchCount: Int { isPointwise ? 0 : patchSize * tileRows * outputWidth }
}

/// Convolution as im2col + sgemm (PERF-NOTES §3), tiled over output rows.
///
/// Legend: `n` image, `c` input channel, `o` output channel, `kh, kw` kernel size, `s` stride,
/// `p` padding, `(oy, ox)` output pixel, `(iy, ix)` input pixel with `iy = oy·s − p + ky`,
/// `K = C·kh·kw`, `L` the column count of one col tile (`rows·Wo`), `x, y, w, dy, dx, dw` as usual.
package enum Conv2DKernels {
    /// Target size of one col tile. 4 MiB stays in L3 with room for the gemm's packed panels.
    package static let defaultTileBytes = 4 << 20

    /// `y[N, O, Ho, Wo] = w[O, C, kh, kw] ⋆ x[N, C, H, W] (+ bias[O])`.
    /// - Parameter scratch: `g.scratchCount` floats, overwritten.
    package static func forward(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (O, K, P) = (g.outputChannels, g.patchSize, g.outputPlane)
        for n in 0..<g.batch {
            let xn = x + n * g.inputChannels * g.inputPlane, yn = y + n * O * P
            // With a bias, each output row starts as the bias and the gemm adds to it.
            if let bias {
                for o in 0..<O { (yn + o * P).update(repeating: bias[o], count: P) }
            }
            let beta: Float = bias == nil ? 0 : 1
            if g.isPointwise {
                BLAS.gemm(m: O, n: P, k: K, a: w, lda: K, b: xn, ldb: P, beta: beta, c: yn, ldc: P)
                continue
            }
            forEachTile(g) { rows in
                let L = rows.count * g.outputWidth, start = rows.lowerBound * g.outputWidth
                im2col(g, x: xn, col: scratch, rows: rows)
                BLAS.gemm(m: O, n: L, k: K, a: w, lda: K, b: scratch, ldb: L, beta: beta, c: yn + start, ldc: P)
            }
        }
    }

    /// `dx = col2im(wᵀ · dy)`: the gradient of `forward` with respect to `x`. Overwrites `dx`.
    package static func backwardInput(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (O, K, P) = (g.outputChannels, g.patchSize, g.outputPlane)
        for n in 0..<g.batch {
            let dyn = dy + n * O * P, dxn = dx + n * g.inputChannels * g.inputPlane
            if g.isPointwise {
                BLAS.gemm(transposeA: true, m: K, n: P, k: O, a: w, lda: K, b: dyn, ldb: P, c: dxn, ldc: P)
                continue
            }
            forEachTile(g) { rows in
                let L = rows.count * g.outputWidth, start = rows.lowerBound * g.outputWidth
                // col[K, L] = w[O, K]ᵀ · dy[O, tile]
                BLAS.gemm(transposeA: true, m: K, n: L, k: O, a: w, lda: K, b: dyn + start, ldb: P,
                          c: scratch, ldc: L)
                col2im(g, col: UnsafePointer(scratch), dx: dxn, rows: rows, overwrite: rows.lowerBound == 0)
            }
        }
    }

    /// `dw = Σₙ dyₙ · colₙᵀ`: the gradient of `forward` with respect to `w`. Overwrites `dw`.
    package static func backwardWeight(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        let (O, K, P) = (g.outputChannels, g.patchSize, g.outputPlane)
        var beta: Float = 0  // the first product overwrites dw, later ones accumulate
        for n in 0..<g.batch {
            let dyn = dy + n * O * P, xn = x + n * g.inputChannels * g.inputPlane
            if g.isPointwise {
                BLAS.gemm(transposeB: true, m: O, n: K, k: P, a: dyn, lda: P, b: xn, ldb: P, beta: beta, c: dw, ldc: K)
                beta = 1
                continue
            }
            forEachTile(g) { rows in
                let L = rows.count * g.outputWidth, start = rows.lowerBound * g.outputWidth
                im2col(g, x: xn, col: scratch, rows: rows)
                // dw[O, K] (+)= dy[O, tile] · col[K, L]ᵀ
                BLAS.gemm(transposeB: true, m: O, n: K, k: L, a: dyn + start, lda: P, b: scratch, ldb: L,
                          beta: beta, c: dw, ldc: K)
                beta = 1
            }
        }
    }

    /// Calls `body` with consecutive ranges of `g.tileRows` output rows covering `0..<Ho`.
    @inline(__always)
    static func forEachTile(_ g: Conv2DGeometry, _ body: (Range<Int>) -> Void) {
        let step = g.tileRows
        var start = 0
        while start < g.outputHeight {
            let end = min(g.outputHeight, start + step)
            body(start..<end)
            start = end
        }
    }

    /// The output columns `ox` whose input column `ox·s − p + kx` lies inside `0..<W`.
    @inline(__always)
    static func validColumns(_ g: Conv2DGeometry, kx: Int) -> Range<Int> {
        let (s, p) = (g.stride, g.padding)
        // ox·s − p + kx ≥ 0  ⟺  ox ≥ ⌈(p − kx)/s⌉
        let low = p - kx <= 0 ? 0 : (p - kx + s - 1) / s
        // ox·s − p + kx ≤ W − 1  ⟺  ox ≤ ⌊(W − 1 + p − kx)/s⌋
        let last = g.width - 1 + p - kx
        let high = last < 0 ? 0 : min(g.outputWidth, last / s + 1)
        return low < high ? low..<high : 0..<0
    }

    // MARK: - im2col / col2im

    /// `col[(c·kh + ky)·kw + kx, (oy − oy₀)·Wo + ox] = x[c, oy·s − p + ky, ox·s − p + kx]`, zero outside the
    /// image, for the output rows `oy ∈ rows` of one image. Split over `(c, ky)` pairs.
    package static func im2col(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, rows: Range<Int>
    ) {
        let (H, W, Wo, kh, kw, s, p) = (g.height, g.width, g.outputWidth, g.kernelHeight, g.kernelWidth,
                                        g.stride, g.padding)
        let L = rows.count * Wo
        let units = g.inputChannels * kh
        Parallel.forEachChunk(count: units, minimumChunk: max(1, 32768 / max(1, kw * L))) { chunk in
            for unit in chunk {
                let c = unit / kh, ky = unit % kh
                let plane = x + c * H * W
                for kx in 0..<kw {
                    let row = col + (unit * kw + kx) * L
                    let valid = validColumns(g, kx: kx)
                    let ixStart = valid.lowerBound * s - p + kx
                    for oy in rows {
                        let dst = row + (oy - rows.lowerBound) * Wo
                        let iy = oy * s - p + ky
                        if iy < 0 || iy >= H || valid.isEmpty {
                            dst.update(repeating: 0, count: Wo)
                            continue
                        }
                        if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                        if valid.upperBound < Wo {
                            (dst + valid.upperBound).update(repeating: 0, count: Wo - valid.upperBound)
                        }
                        let src = plane + iy * W + ixStart
                        let out = dst + valid.lowerBound
                        if s == 1 {
                            out.update(from: src, count: valid.count)
                        } else {
                            for j in 0..<valid.count { out[j] = src[j * s] }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: `dx[c, iy, ix] += col[…]` for every patch entry of the rows `oy ∈ rows`.
    /// With `overwrite`, each channel plane of `dx` is zeroed first (by the thread that owns it).
    /// Split over channels, so no two threads write the same plane.
    package static func col2im(
        _ g: Conv2DGeometry, col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Range<Int>,
        overwrite: Bool
    ) {
        let (H, W, Wo, kh, kw, s, p) = (g.height, g.width, g.outputWidth, g.kernelHeight, g.kernelWidth,
                                        g.stride, g.padding)
        let L = rows.count * Wo
        Parallel.forEachChunk(count: g.inputChannels, minimumChunk: max(1, 32768 / max(1, kh * kw * L))) { chunk in
            for c in chunk {
                let plane = dx + c * H * W
                if overwrite { plane.update(repeating: 0, count: H * W) }
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let row = col + ((c * kh + ky) * kw + kx) * L
                        let valid = validColumns(g, kx: kx)
                        if valid.isEmpty { continue }
                        let ixStart = valid.lowerBound * s - p + kx
                        for oy in rows {
                            let iy = oy * s - p + ky
                            if iy < 0 || iy >= H { continue }
                            let src = row + (oy - rows.lowerBound) * Wo + valid.lowerBound
                            let out = plane + iy * W + ixStart
                            if s == 1 {
                                ElementwiseKernels.accumulate(src, into: out, valid.count)
                            } else {
                                for j in 0..<valid.count { out[j * s] += src[j] }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Bias

    /// `y[n, c, ·] += bias[c]` for an `[N, C, plane]` tensor.
    package static func addChannelBias(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        for n in 0..<batch {
            for c in 0..<channels {
                let row = y + (n * channels + c) * plane
                ElementwiseKernels.scaleShift(row, row, plane, scale: 1, shift: bias[c])
            }
        }
    }

    /// `db[c] = Σ_{n, i} dy[n, c, i]`: the bias gradient of an `[N, C, plane]` output.
    package static func channelSums(
        _ dy: UnsafePointer<Float>, db: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        for c in 0..<channels {
            var total: Float = 0
            for n in 0..<batch { total += ElementwiseKernels.sum(dy + (n * channels + c) * plane, plane) }
            db[c] = total
        }
    }
}

// MARK: - Transposed convolution

/// Shape of one transposed convolution (PyTorch `ConvTranspose2d`): input `[N, Cin, H, W]`, weight
/// `[Cin, Cout, kh, kw]`, output `[N, Cout, Ho, Wo]` with `Ho = (H − 1)·s − 2p + kh + outputPadding`.
package struct ConvTranspose2DGeometry: Hashable, Sendable {
    package var batch, inputChannels, outputChannels, height, width: Int
    package var kernelHeight, kernelWidth, stride, padding, outputPadding: Int
    /// Passed to the adjoint convolution's tiling.
    package var tileBytes: Int

    package init(
        batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        tileBytes: Int = Conv2DKernels.defaultTileBytes
    ) {
        self.tileBytes = tileBytes
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    package var outputHeight: Int { (height - 1) * stride - 2 * padding + kernelHeight + outputPadding }
    package var outputWidth: Int { (width - 1) * stride - 2 * padding + kernelWidth + outputPadding }

    /// True when every size is positive, `outputPadding < stride` (as PyTorch requires) and the output
    /// is not empty.
    package var isValid: Bool {
        batch > 0 && inputChannels > 0 && outputChannels > 0 && height > 0 && width > 0
            && kernelHeight > 0 && kernelWidth > 0 && stride > 0 && padding >= 0
            && outputPadding >= 0 && outputPadding < stride && outputHeight > 0 && outputWidth > 0
    }

    /// The ordinary convolution whose backward-input is this layer's forward: it maps the transposed
    /// output `[N, Cout, Ho, Wo]` to the transposed input `[N, Cin, H, W]` with weight `[Cin, Cout, kh, kw]`
    /// read as OIHW. Its output size is `⌊(Ho + 2p − kh)/s⌋ + 1 = H` because `outputPadding < s`.
    package var adjoint: Conv2DGeometry {
        Conv2DGeometry(batch: batch, inputChannels: outputChannels, outputChannels: inputChannels,
                       height: outputHeight, width: outputWidth, kernelHeight: kernelHeight,
                       kernelWidth: kernelWidth, stride: stride, padding: padding, tileBytes: tileBytes)
    }

    package var multiplyAdds: Int { adjoint.multiplyAdds }
    package var scratchCount: Int { adjoint.scratchCount }
}

/// Transposed convolution through the adjoint convolution's kernels: forward = col2im(wᵀ·x),
/// backward-input = w · im2col(dy), backward-weight = x · im2col(dy)ᵀ.
package enum ConvTranspose2DKernels {
    /// `y[N, Cout, Ho, Wo]` from `x[N, Cin, H, W]` and `w[Cin, Cout, kh, kw]` (+ bias[Cout]). Overwrites `y`.
    package static func forward(
        _ g: ConvTranspose2DGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        Conv2DKernels.backwardInput(g.adjoint, dy: x, w: w, dx: y, scratch: scratch)
        if let bias {
            Conv2DKernels.addChannelBias(y, bias: bias, batch: g.batch, channels: g.outputChannels,
                                         plane: g.outputHeight * g.outputWidth)
        }
    }

    /// `dx[N, Cin, H, W]` from `dy[N, Cout, Ho, Wo]`. Overwrites `dx`.
    package static func backwardInput(
        _ g: ConvTranspose2DGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        Conv2DKernels.forward(g.adjoint, x: dy, w: w, bias: nil, y: dx, scratch: scratch)
    }

    /// `dw[Cin, Cout, kh, kw]` summed over the batch. Overwrites `dw`.
    package static func backwardWeight(
        _ g: ConvTranspose2DGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        Conv2DKernels.backwardWeight(g.adjoint, dy: x, x: dy, dw: dw, scratch: scratch)
    }
}

// MARK: - Scratch

/// Temporary float buffers for kernels, allocated per call and freed on return so no large buffer
/// outlives its op. Tiles are at most a few MiB, below glibc's mmap threshold, so the heap keeps the
/// pages warm between calls.
package enum Scratch {
    package static func with<R>(count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let pointer = AlignedMemory.allocate(count: count)
        defer { AlignedMemory.deallocate(pointer) }
        return try body(pointer)
    }
}
