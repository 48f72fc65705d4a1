/// Shape of a pixel shuffle (PyTorch `nn.PixelShuffle`): `[N, C·r², H, W]` ↔ `[N, C, H·r, W·r]`.
package struct PixelShuffleGeometry: Hashable, Sendable {
    /// `N`, `C` (channels after the shuffle), `H, W` (size before it) and the factor `r`.
    package var batch, channels, height, width, factor: Int

    package init(batch: Int, channels: Int, height: Int, width: Int, factor: Int) {
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.factor = factor
    }

    package var elementCount: Int { batch * channels * factor * factor * height * width }
}

/// Pixel shuffle and its inverse (the shuffle's adjoint, since it only moves elements).
///
/// Legend: `c` output channel, `(i, j)` sub-pixel offset, `(h, w)` low-resolution pixel, `r` factor:
/// `y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w]`.
package enum PixelShuffleKernels {
    /// `[N, C·r², H, W]` → `[N, C, H·r, W·r]`. Overwrites `y`.
    package static func shuffle(_ g: PixelShuffleGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (H, W, r) = (g.height, g.width, g.factor)
        let Wo = W * r
        let grain = max(1, 16384 / max(1, H * W * r * r))
        Parallel.forEachChunk(count: g.batch * g.channels, minimumChunk: grain) { chunk in
            for nc in chunk {  // nc = n·C + c; its r² source planes are consecutive
                let out = y + nc * H * W * r * r, src = x + nc * r * r * H * W
                for i in 0..<r {
                    for j in 0..<r {
                        let plane = src + (i * r + j) * H * W
                        for h in 0..<H {
                            let row = out + (h * r + i) * Wo + j, from = plane + h * W
                            for w in 0..<W { row[w * r] = from[w] }
                        }
                    }
                }
            }
        }
    }

    /// `[N, C, H·r, W·r]` → `[N, C·r², H, W]` (pixel unshuffle). Overwrites `x`.
    package static func unshuffle(_ g: PixelShuffleGeometry, y: UnsafePointer<Float>, x: UnsafeMutablePointer<Float>) {
        let (H, W, r) = (g.height, g.width, g.factor)
        let Wo = W * r
        let grain = max(1, 16384 / max(1, H * W * r * r))
        Parallel.forEachChunk(count: g.batch * g.channels, minimumChunk: grain) { chunk in
            for nc in chunk {
                let src = y + nc * H * W * r * r, out = x + nc * r * r * H * W
                for i in 0..<r {
                    for j in 0..<r {
                        let plane = out + (i * r + j) * H * W
                        for h in 0..<H {
                            let row = src + (h * r + i) * Wo + j, to = plane + h * W
                            for w in 0..<W { to[w] = row[w * r] }
                        }
                    }
                }
            }
        }
    }
}
