/// Shape of one 2-D pooling without padding over `planes` independent `H×W` planes (`N·C`).
package struct PoolGeometry: Hashable, Sendable {
    package var planes, height, width, kernelSize, stride: Int

    package init(planes: Int, height: Int, width: Int, kernelSize: Int, stride: Int) {
        self.planes = planes
        self.height = height
        self.width = width
        self.kernelSize = kernelSize
        self.stride = stride
    }

    /// `⌊(H − k)/s⌋ + 1`, as PyTorch with `ceil_mode=False`.
    package var outputHeight: Int { (height - kernelSize) / stride + 1 }
    package var outputWidth: Int { (width - kernelSize) / stride + 1 }

    package var isValid: Bool {
        planes > 0 && kernelSize > 0 && stride > 0 && height >= kernelSize && width >= kernelSize
    }
}

/// Max and average pooling (no padding) and their adjoints.
///
/// Legend: `(oy, ox)` output pixel; its window is rows `oy·s ..< oy·s + k`, columns `ox·s ..< ox·s + k`.
package enum PoolingKernels {
    @inline(__always)
    static func chunkSize(_ g: PoolGeometry) -> Int { max(1, 16384 / max(1, g.height * g.width)) }

    /// The index (within its plane) of the window maximum: the first one in row-major order, or the
    /// first NaN, as PyTorch.
    @inline(__always)
    static func argmax(_ g: PoolGeometry, _ plane: UnsafePointer<Float>, _ oy: Int, _ ox: Int) -> Int {
        let (W, k, s) = (g.width, g.kernelSize, g.stride)
        var best = oy * s * W + ox * s
        var bestValue = plane[best]
        if bestValue.isNaN { return best }
        for ky in 0..<k {
            let row = (oy * s + ky) * W + ox * s
            for kx in 0..<k {
                let value = plane[row + kx]
                if value > bestValue || value.isNaN {
                    best = row + kx
                    bestValue = value
                    if value.isNaN { return best }
                }
            }
        }
        return best
    }

    /// `y[plane, oy, ox] = max` of the window. Overwrites `y`.
    package static func maxForward(_ g: PoolGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        Parallel.forEachChunk(count: g.planes, minimumChunk: chunkSize(g)) { chunk in
            for plane in chunk {
                let xp = x + plane * g.height * g.width, yp = y + plane * Ho * Wo
                for oy in 0..<Ho {
                    for ox in 0..<Wo { yp[oy * Wo + ox] = xp[argmax(g, xp, oy, ox)] }
                }
            }
        }
    }

    /// Routes each `dy` to the input position that won its window (recomputed from `x`); overlapping
    /// windows add. Overwrites `dx`.
    package static func maxBackward(
        _ g: PoolGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
    ) {
        let (H, W, Ho, Wo) = (g.height, g.width, g.outputHeight, g.outputWidth)
        Parallel.forEachChunk(count: g.planes, minimumChunk: chunkSize(g)) { chunk in
            for plane in chunk {
                let xp = x + plane * H * W, dxp = dx + plane * H * W, dyp = dy + plane * Ho * Wo
                dxp.update(repeating: 0, count: H * W)
                for oy in 0..<Ho {
                    for ox in 0..<Wo { dxp[argmax(g, xp, oy, ox)] += dyp[oy * Wo + ox] }
                }
            }
        }
    }

    /// `y[plane, oy, ox] = mean` of the `k×k` window. Overwrites `y`.
    package static func averageForward(_ g: PoolGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (W, Ho, Wo, k, s) = (g.width, g.outputHeight, g.outputWidth, g.kernelSize, g.stride)
        let scale = 1 / Float(k * k)
        Parallel.forEachChunk(count: g.planes, minimumChunk: chunkSize(g)) { chunk in
            for plane in chunk {
                let xp = x + plane * g.height * W, yp = y + plane * Ho * Wo
                for oy in 0..<Ho {
                    for ox in 0..<Wo {
                        var total: Float = 0
                        for ky in 0..<k {
                            let row = xp + (oy * s + ky) * W + ox * s
                            for kx in 0..<k { total += row[kx] }
                        }
                        yp[oy * Wo + ox] = total * scale
                    }
                }
            }
        }
    }

    /// Spreads each `dy / k²` over its window; overlapping windows add. Overwrites `dx`.
    package static func averageBackward(_ g: PoolGeometry, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (H, W, Ho, Wo, k, s) = (g.height, g.width, g.outputHeight, g.outputWidth, g.kernelSize, g.stride)
        let scale = 1 / Float(k * k)
        Parallel.forEachChunk(count: g.planes, minimumChunk: chunkSize(g)) { chunk in
            for plane in chunk {
                let dxp = dx + plane * H * W, dyp = dy + plane * Ho * Wo
                dxp.update(repeating: 0, count: H * W)
                for oy in 0..<Ho {
                    for ox in 0..<Wo {
                        let share = dyp[oy * Wo + ox] * scale
                        for ky in 0..<k {
                            let row = dxp + (oy * s + ky) * W + ox * s
                            for kx in 0..<k { row[kx] += share }
                        }
                    }
                }
            }
        }
    }
}
