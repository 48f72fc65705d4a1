/// Shape of one 2-D padding of `planes` independent `H×W` planes (`N·C` for an NCHW tensor).
package struct PaddingGeometry: Hashable, Sendable {
    /// How the border is filled: zeros, the mirror image without the edge (`ReflectionPad2d`), or the
    /// edge value repeated (`ReplicationPad2d`).
    package enum Mode: Hashable, Sendable { case zero, reflect, replicate }

    package var planes, height, width, top, bottom, left, right: Int
    package var mode: Mode

    package init(planes: Int, height: Int, width: Int, top: Int, bottom: Int, left: Int, right: Int, mode: Mode) {
        self.planes = planes
        self.height = height
        self.width = width
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
        self.mode = mode
    }

    package var outputHeight: Int { height + top + bottom }
    package var outputWidth: Int { width + left + right }

    /// The source index along an axis of length `n` for padded coordinate `i` (already shifted by the
    /// leading pad, so `0..<n` is the interior), or −1 where zero padding applies.
    @inline(__always)
    package func source(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch mode {
        case .zero: return -1
        case .reflect: return i < 0 ? -i : 2 * (n - 1) - i  // mirror about the edge pixel, which is not repeated
        case .replicate: return i < 0 ? 0 : n - 1
        }
    }
}

/// Zero, reflect and replicate padding of NCHW planes, and their adjoints.
///
/// Legend: `(oy, ox)` padded (output) pixel, `(sy, sx)` the source pixel it copies, `H, W` input size,
/// `Ho, Wo` output size.
package enum PaddingKernels {
    /// `y[plane, oy, ox] = x[plane, sy, sx]` (0 for zero padding outside). Overwrites `y`.
    package static func forward(_ g: PaddingGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (H, W, Ho, Wo) = (g.height, g.width, g.outputHeight, g.outputWidth)
        Parallel.forEachChunk(count: g.planes, minimumChunk: max(1, 16384 / max(1, Ho * Wo))) { chunk in
            for plane in chunk {
                let xp = x + plane * H * W, yp = y + plane * Ho * Wo
                for oy in 0..<Ho {
                    let out = yp + oy * Wo
                    let sy = g.source(oy - g.top, H)
                    if sy < 0 {
                        out.update(repeating: 0, count: Wo)
                        continue
                    }
                    let src = xp + sy * W
                    for ox in 0..<g.left {
                        let sx = g.source(ox - g.left, W)
                        out[ox] = sx < 0 ? 0 : src[sx]
                    }
                    (out + g.left).update(from: src, count: W)
                    for ox in (g.left + W)..<Wo {
                        let sx = g.source(ox - g.left, W)
                        out[ox] = sx < 0 ? 0 : src[sx]
                    }
                }
            }
        }
    }

    /// The adjoint: `dx[plane, sy, sx] = Σ dy[plane, oy, ox]` over every padded pixel that copied
    /// `(sy, sx)`. Reflect and replicate borders scatter-add into the interior. Overwrites `dx`.
    package static func backward(_ g: PaddingGeometry, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (H, W, Ho, Wo) = (g.height, g.width, g.outputHeight, g.outputWidth)
        Parallel.forEachChunk(count: g.planes, minimumChunk: max(1, 16384 / max(1, Ho * Wo))) { chunk in
            for plane in chunk {
                let dxp = dx + plane * H * W, dyp = dy + plane * Ho * Wo
                // The interior rows are a plain copy; border rows then add into them.
                for sy in 0..<H {
                    (dxp + sy * W).update(from: dyp + (sy + g.top) * Wo + g.left, count: W)
                }
                for oy in 0..<Ho {
                    let sy = g.source(oy - g.top, H)
                    if sy < 0 { continue }
                    let grad = dyp + oy * Wo, out = dxp + sy * W
                    let interiorRow = oy >= g.top && oy < g.top + H
                    if !interiorRow {
                        ElementwiseKernels.accumulate(grad + g.left, into: out, W)
                    }
                    for ox in 0..<g.left {
                        let sx = g.source(ox - g.left, W)
                        if sx >= 0 { out[sx] += grad[ox] }
                    }
                    for ox in (g.left + W)..<Wo {
                        let sx = g.source(ox - g.left, W)
                        if sx >= 0 { out[sx] += grad[ox] }
                    }
                }
            }
        }
    }
}
