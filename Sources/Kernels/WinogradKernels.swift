/// Shape of one 3×3, stride-1 convolution with one pixel of padding on each side (output size =
/// input size), computed by `WinogradKernels` for one image.
package struct WinogradGeometry: Hashable, Sendable {
    package var inputChannels, outputChannels, height, width: Int
    /// Reflection padding (`ReflectionPad2d(1)` then a 3×3 conv, the ResNet block) instead of zeros.
    package var reflect: Bool

    package init(inputChannels: Int, outputChannels: Int, height: Int, width: Int, reflect: Bool) {
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.reflect = reflect
    }

    /// 4×4 output tiles per column and per row.
    package var tilesY: Int { (height + 3) / 4 }
    package var tilesX: Int { (width + 3) / 4 }

    /// Tile rows handled together: about `targetTiles` tiles, so the transformed block stays in cache.
    package var tileRowsPerBlock: Int { max(1, min(tilesY, WinogradKernels.targetTiles / max(1, tilesX))) }
    package var tilesPerBlock: Int { tileRowsPerBlock * tilesX }

    /// Floats of scratch `forward` needs: the V and M blocks (`36·C·T` and `36·K·T`).
    package var scratchCount: Int { 36 * (inputChannels + outputChannels) * tilesPerBlock }

    /// True when reflection padding is defined (PyTorch needs each side longer than the pad).
    package var isValid: Bool {
        inputChannels > 0 && outputChannels > 0 && height > 0 && width > 0 && (!reflect || (height > 1 && width > 1))
    }
}

/// 3×3 convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray 2016): each 4×4
/// output tile is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for its 6×6 input patch `d`, so the 36 elementwise
/// products over channels become 36 gemms `M[e] = U[e] · V[e]` with `U[e]` `[K, C]` (transformed
/// weights, made once) and `V[e]` `[C, T]` (transformed patches of T tiles): 4× fewer multiplies
/// than direct convolution. Forward only (inference). Float error is a few 1e-6 relative for
/// unit-scale data, from the transforms' ±8/±5 coefficients.
///
/// Legend: `C` input channels, `K` output channels, `H, W` image size, `e = ξ·6 + ν` position in
/// the 6×6 transformed tile, `t` tile index within a block (`ty·tilesX + tx`), `T` tiles per block.
package enum WinogradKernels {
    /// Tiles per block: V and M blocks of 36·256·256 floats (9 MiB each) at 256 channels; 128 tiles
    /// were 2 % slower, 512 no faster (resnet_9blocks at 256², one thread).
    package static let targetTiles = 256

    // MARK: - Weights

    /// `u[e, k, c] = (G · w[k, c] · Gᵀ)[ξ, ν]` for `w[K, C, 3, 3]`; `u` holds `36·K·C` floats.
    package static func transformWeights(
        outputChannels K: Int, inputChannels C: Int, w: UnsafePointer<Float>, u: UnsafeMutablePointer<Float>
    ) {
        // G (6×3), in Double so the transformed weights are correctly rounded.
        let g: [[Double]] = [
            [1.0 / 4, 0, 0],
            [-1.0 / 6, -1.0 / 6, -1.0 / 6],
            [-1.0 / 6, 1.0 / 6, -1.0 / 6],
            [1.0 / 24, 1.0 / 12, 1.0 / 6],
            [1.0 / 24, -1.0 / 12, 1.0 / 6],
            [0, 0, 1],
        ]
        Parallel.forEachChunk(count: K) { chunk in
            var left = [Double](repeating: 0, count: 18)  // G·w: 6×3
            for k in chunk {
                for c in 0..<C {
                    let kernel = w + (k * C + c) * 9
                    for i in 0..<6 {
                        for j in 0..<3 {
                            left[i * 3 + j] = g[i][0] * Double(kernel[j]) + g[i][1] * Double(kernel[3 + j])
                                + g[i][2] * Double(kernel[6 + j])
                        }
                    }
                    for i in 0..<6 {
                        for j in 0..<6 {
                            let value = left[i * 3] * g[j][0] + left[i * 3 + 1] * g[j][1] + left[i * 3 + 2] * g[j][2]
                            u[((i * 6 + j) * K + k) * C + c] = Float(value)
                        }
                    }
                }
            }
        }
    }

    // MARK: - Forward

    typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// `y[K, H, W] = conv3×3(pad₁(x[C, H, W]), w) + bias` for one image, from `u` made by
    /// `transformWeights`. `scratch` holds `g.scratchCount` floats.
    package static func forward(
        _ g: WinogradGeometry, x: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
    ) {
        assert(g.isValid)
        let (C, K) = (g.inputChannels, g.outputChannels)
        let rowsPerBlock = g.tileRowsPerBlock
        let v = scratch, m = scratch + 36 * C * g.tilesPerBlock
        var firstRow = 0
        while firstRow < g.tilesY {
            let blockRows = firstRow..<min(g.tilesY, firstRow + rowsPerBlock)
            let T = blockRows.count * g.tilesX
            // V[e, c, t]: transformed input patches of this block, split over channels.
            Parallel.forEachChunk(count: C, minimumChunk: 4) { channels in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: rowScratchCount(tilesX: g.tilesX)) { buffer in
                    for c in channels {
                        for ty in blockRows {
                            transformInput(g, plane: x + c * g.height * g.width, tileRow: ty, v: v + c * T,
                                           vStride: C * T, tileOffset: (ty - blockRows.lowerBound) * g.tilesX,
                                           buffer: buffer.baseAddress!)
                        }
                    }
                }
            }
            // M[e] = U[e] · V[e]: [K, C] · [C, T].
            for e in 0..<36 {
                BLAS.gemm(m: K, n: T, k: C, a: u + e * K * C, lda: C, b: v + e * C * T, ldb: T,
                          c: m + e * K * T, ldc: T)
            }
            // y tiles = Aᵀ M A (+ bias), split over output channels.
            Parallel.forEachChunk(count: K, minimumChunk: 4) { channels in
                for k in channels {
                    transformOutput(g, m: m + k * T, mStride: K * T, blockRows: blockRows,
                                    y: y + k * g.height * g.width, bias: bias?[k] ?? 0)
                }
            }
            firstRow = blockRows.upperBound
        }
    }

    /// Phase-row length: tile columns up to `tilesX` (+1 for patch columns 4, 5) in whole SIMD8 loads.
    @inline(__always)
    static func phaseLength(tilesX: Int) -> Int { (tilesX + 9 + 7) / 8 * 8 }

    /// Floats of one worker's row buffers: 6 padded rows × 4 column phases.
    package static func rowScratchCount(tilesX: Int) -> Int { 24 * phaseLength(tilesX: tilesX) }

    /// Input row `i` (may be −1, H or beyond) after padding: reflected, zero, or zero past the pad.
    @inline(__always)
    static func sourceRow(_ i: Int, _ g: WinogradGeometry) -> Int? {
        if i >= 0 && i < g.height { return i }
        guard g.reflect else { return nil }
        if i == -1 { return 1 }
        if i == g.height { return g.height - 2 }
        return nil  // beyond the pad: only feeds outputs past the image, which are dropped
    }

    /// Transforms the 6×6 patches of tile row `ty` of one channel into `v[e·vStride + tileOffset + tx]`.
    ///
    /// The patch of tile `tx` covers padded columns `4tx … 4tx+5`, i.e. input columns `4tx−1 … 4tx+4`.
    /// Each padded row is split by column phase (`P_p[k]` = padded column `4k + p`), so element `j` of
    /// the patches of tiles `tx … tx+7` is one contiguous SIMD8 load: j = 0…3 from `P_j[tx]`, j = 4, 5
    /// from `P_0[tx+1]`, `P_1[tx+1]`. The column transform Bᵀ runs on the phase rows in place, then the
    /// row transform on the 6 patch columns.
    static func transformInput(
        _ g: WinogradGeometry, plane: UnsafePointer<Float>, tileRow ty: Int, v: UnsafeMutablePointer<Float>,
        vStride: Int, tileOffset: Int, buffer: UnsafeMutablePointer<Float>
    ) {
        let tilesX = g.tilesX, W = g.width
        let length = phaseLength(tilesX: tilesX)
        // buffer[(r·4 + p)·length + k]: padded row 4ty + r, padded column 4k + p (input column 4k + p − 1).
        for r in 0..<6 {
            let row = sourceRow(4 * ty - 1 + r, g)
            for p in 0..<4 {
                let phase = buffer + (r * 4 + p) * length
                guard let row else {
                    phase.update(repeating: 0, count: length)
                    continue
                }
                let source = plane + row * W
                // Columns inside the image: k with 0 ≤ 4k + p − 1 < W.
                let first = p == 0 ? 1 : 0
                let end = W >= p ? min(length, (W - p) / 4 + 1) : 0  // 4k + p − 1 ≤ W − 1 ⟺ k ≤ (W − p) / 4
                for k in 0..<first { phase[k] = g.reflect ? source[1] : 0 }  // column −1
                if first < end {
                    for k in first..<end { phase[k] = source[4 * k + p - 1] }
                }
                for k in max(first, end)..<length {
                    phase[k] = g.reflect && 4 * k + p - 1 == W ? source[W - 2] : 0
                }
            }
        }
        // Column transform in place over the 6 rows of each phase: t = Bᵀ d.
        for p in 0..<4 {
            var k = 0
            while k < length {
                let base = buffer + p * length + k
                let rowStride = 4 * length
                let t = bTransposed(load(base), load(base + rowStride), load(base + 2 * rowStride),
                                    load(base + 3 * rowStride), load(base + 4 * rowStride), load(base + 5 * rowStride))
                store(t.0, base)
                store(t.1, base + rowStride)
                store(t.2, base + 2 * rowStride)
                store(t.3, base + 3 * rowStride)
                store(t.4, base + 4 * rowStride)
                store(t.5, base + 5 * rowStride)
                k += 8
            }
        }
        // Row transform: for each transformed row r, patch columns j = 0…5 → V[(r·6 + s)].
        var tx = 0
        while tx < tilesX {
            let lanes = min(8, tilesX - tx)
            for r in 0..<6 {
                let row = buffer + r * 4 * length + tx
                let t = bTransposed(load(row), load(row + length), load(row + 2 * length), load(row + 3 * length),
                                    load(row + 1), load(row + length + 1))
                let target = v + r * 6 * vStride + tileOffset + tx
                if lanes == 8 {
                    store(t.0, target)
                    store(t.1, target + vStride)
                    store(t.2, target + 2 * vStride)
                    store(t.3, target + 3 * vStride)
                    store(t.4, target + 4 * vStride)
                    store(t.5, target + 5 * vStride)
                } else {
                    for lane in 0..<lanes {
                        target[lane] = t.0[lane]
                        target[vStride + lane] = t.1[lane]
                        target[2 * vStride + lane] = t.2[lane]
                        target[3 * vStride + lane] = t.3[lane]
                        target[4 * vStride + lane] = t.4[lane]
                        target[5 * vStride + lane] = t.5[lane]
                    }
                }
            }
            tx += 8
        }
    }

    /// Bᵀ·d for the F(4, 3) input transform (rows of Bᵀ: [4 0 −5 0 1 0], [0 −4 −4 1 1 0],
    /// [0 4 −4 −1 1 0], [0 −2 −1 2 1 0], [0 2 −1 −2 1 0], [0 4 0 −5 0 1]), eight patches at once.
    @inline(__always)
    static func bTransposed(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V) -> (V, V, V, V, V, V) {
        let four = V(repeating: 4), five = V(repeating: 5), two = V(repeating: 2)
        let a = d4 - four * d2, b = d3 - four * d1  // rows 1, 2: a ± b
        let c = d4 - d2, e = two * (d3 - d1)        // rows 3, 4: c ± e
        return (four * d0 - five * d2 + d4, a + b, a - b, c + e, c - e, four * d1 - five * d3 + d5)
    }

    /// Aᵀ·m for the F(4, 3) output transform (rows of Aᵀ: [1 1 1 1 1 0], [0 1 −1 2 −2 0],
    /// [0 1 1 4 4 0], [0 1 −1 8 −8 1]).
    @inline(__always)
    static func aTransposed(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
        let sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4
        return (m0 + sum12 + sum34, difference12 + V(repeating: 2) * difference34, sum12 + V(repeating: 4) * sum34,
                difference12 + V(repeating: 8) * difference34 + m5)
    }

    /// Writes the output tiles of one channel `k` for the block's tile rows from `m[e·mStride + t]`.
    static func transformOutput(
        _ g: WinogradGeometry, m: UnsafePointer<Float>, mStride: Int, blockRows: Range<Int>,
        y: UnsafeMutablePointer<Float>, bias: Float
    ) {
        let tilesX = g.tilesX, W = g.width, H = g.height
        let biasVector = V(repeating: bias)
        withUnsafeTemporaryAllocation(of: V.self, capacity: 24) { s in
            for ty in blockRows {
                let tileBase = (ty - blockRows.lowerBound) * tilesX
                var tx = 0
                while tx < tilesX {
                    let lanes = min(8, tilesX - tx)
                    @inline(__always) func element(_ e: Int) -> V {
                        let source = m + e * mStride + tileBase + tx
                        if lanes == 8 { return load(source) }
                        var value = V(repeating: 0)
                        for lane in 0..<lanes { value[lane] = source[lane] }
                        return value
                    }
                    // Columns first: s[i·6 + ν] = Σ_ξ Aᵀ[i][ξ] m[ξ·6 + ν].
                    for nu in 0..<6 {
                        let column = aTransposed(element(nu), element(6 + nu), element(12 + nu), element(18 + nu),
                                                 element(24 + nu), element(30 + nu))
                        s[nu] = column.0
                        s[6 + nu] = column.1
                        s[12 + nu] = column.2
                        s[18 + nu] = column.3
                    }
                    for i in 0..<4 {
                        let oy = 4 * ty + i
                        if oy >= H { break }
                        let out = aTransposed(s[i * 6], s[i * 6 + 1], s[i * 6 + 2], s[i * 6 + 3], s[i * 6 + 4], s[i * 6 + 5])
                        let (y0, y1, y2, y3) = (out.0 + biasVector, out.1 + biasVector, out.2 + biasVector,
                                                out.3 + biasVector)
                        let row = y + oy * W + 4 * tx
                        // Interleave: tile tx + lane, column j → x = 4(tx + lane) + j.
                        if 4 * (tx + lanes) <= W {
                            for lane in 0..<lanes {
                                let target = row + 4 * lane
                                target[0] = y0[lane]
                                target[1] = y1[lane]
                                target[2] = y2[lane]
                                target[3] = y3[lane]
                            }
                        } else {
                            for lane in 0..<lanes {
                                let x = 4 * (tx + lane)
                                for j in 0..<min(4, W - x) {
                                    row[4 * lane + j] = j == 0 ? y0[lane] : j == 1 ? y1[lane] : j == 2 ? y2[lane] : y3[lane]
                                }
                            }
                        }
                    }
                    tx += 8
                }
            }
        }
    }
}
