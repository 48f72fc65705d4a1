import Foundation
import Kernels

/// Direct loop twins of the fast kernels, written for clarity, not speed. Arrays are NCHW / OIHW.
enum Naive {
    /// y[n, o, oy, ox] = Σ_{c, ky, kx} w[o, c, ky, kx] · x[n, c, oy·s − p + ky, ox·s − p + kx] (+ b[o]).
    static func convForward(_ g: Conv2DGeometry, x: [Float], w: [Float], bias: [Float]?) -> [Float] {
        let (N, C, O, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                             g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var y = [Float](repeating: 0, count: N * O * Ho * Wo)
        for n in 0..<N { for o in 0..<O { for oy in 0..<Ho { for ox in 0..<Wo {
            var total: Double = bias.map { Double($0[o]) } ?? 0
            for c in 0..<C { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
                total += Double(w[((o * C + c) * kh + ky) * kw + kx]) * Double(x[((n * C + c) * H + iy) * W + ix])
            }}}
            y[((n * O + o) * Ho + oy) * Wo + ox] = Float(total)
        }}}}
        return y
    }

    /// dx[n, c, iy, ix] = Σ w[o, c, ky, kx] · dy[n, o, oy, ox] over every (o, oy, ox, ky, kx) that reads (iy, ix).
    static func convBackwardInput(_ g: Conv2DGeometry, dy: [Float], w: [Float]) -> [Float] {
        let (N, C, O, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                             g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var dx = [Double](repeating: 0, count: N * C * H * W)
        for n in 0..<N { for o in 0..<O { for oy in 0..<Ho { for ox in 0..<Wo {
            let grad = Double(dy[((n * O + o) * Ho + oy) * Wo + ox])
            for c in 0..<C { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
                dx[((n * C + c) * H + iy) * W + ix] += Double(w[((o * C + c) * kh + ky) * kw + kx]) * grad
            }}}
        }}}}
        return dx.map(Float.init)
    }

    /// dw[o, c, ky, kx] = Σ_{n, oy, ox} dy[n, o, oy, ox] · x[n, c, oy·s − p + ky, ox·s − p + kx].
    static func convBackwardWeight(_ g: Conv2DGeometry, dy: [Float], x: [Float]) -> [Float] {
        let (N, C, O, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                             g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var dw = [Double](repeating: 0, count: O * C * kh * kw)
        for n in 0..<N { for o in 0..<O { for oy in 0..<Ho { for ox in 0..<Wo {
            let grad = Double(dy[((n * O + o) * Ho + oy) * Wo + ox])
            for c in 0..<C { for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
                dw[((o * C + c) * kh + ky) * kw + kx] += grad * Double(x[((n * C + c) * H + iy) * W + ix])
            }}}
        }}}}
        return dw.map(Float.init)
    }

    /// Transposed conv by its definition: every input pixel scatters `x · w[ci, co]` into the output at
    /// `(iy·s − p + ky, ix·s − p + kx)`; positions outside the output are dropped.
    static func convTransposeForward(_ g: ConvTranspose2DGeometry, x: [Float], w: [Float], bias: [Float]?) -> [Float] {
        let (N, Ci, Co, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                               g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var y = [Double](repeating: 0, count: N * Co * Ho * Wo)
        for n in 0..<N { for co in 0..<Co { for i in 0..<(Ho * Wo) {
            y[(n * Co + co) * Ho * Wo + i] = Double(bias?[co] ?? 0)
        }}}
        for n in 0..<N { for ci in 0..<Ci { for iy in 0..<H { for ix in 0..<W {
            let value = Double(x[((n * Ci + ci) * H + iy) * W + ix])
            for co in 0..<Co { for ky in 0..<kh { for kx in 0..<kw {
                let oy = iy * s - p + ky, ox = ix * s - p + kx
                guard oy >= 0, oy < Ho, ox >= 0, ox < Wo else { continue }
                y[((n * Co + co) * Ho + oy) * Wo + ox] += value * Double(w[((ci * Co + co) * kh + ky) * kw + kx])
            }}}
        }}}}
        return y.map(Float.init)
    }

    /// dx[n, ci, iy, ix] = Σ w[ci, co, ky, kx] · dy[n, co, iy·s − p + ky, ix·s − p + kx].
    static func convTransposeBackwardInput(_ g: ConvTranspose2DGeometry, dy: [Float], w: [Float]) -> [Float] {
        let (N, Ci, Co, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                               g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var dx = [Float](repeating: 0, count: N * Ci * H * W)
        for n in 0..<N { for ci in 0..<Ci { for iy in 0..<H { for ix in 0..<W {
            var total = 0.0
            for co in 0..<Co { for ky in 0..<kh { for kx in 0..<kw {
                let oy = iy * s - p + ky, ox = ix * s - p + kx
                guard oy >= 0, oy < Ho, ox >= 0, ox < Wo else { continue }
                total += Double(dy[((n * Co + co) * Ho + oy) * Wo + ox])
                    * Double(w[((ci * Co + co) * kh + ky) * kw + kx])
            }}}
            dx[((n * Ci + ci) * H + iy) * W + ix] = Float(total)
        }}}}
        return dx
    }

    /// dw[ci, co, ky, kx] = Σ_{n, iy, ix} x[n, ci, iy, ix] · dy[n, co, iy·s − p + ky, ix·s − p + kx].
    static func convTransposeBackwardWeight(_ g: ConvTranspose2DGeometry, dy: [Float], x: [Float]) -> [Float] {
        let (N, Ci, Co, H, W, kh, kw, s, p) = (g.batch, g.inputChannels, g.outputChannels, g.height, g.width,
                                               g.kernelHeight, g.kernelWidth, g.stride, g.padding)
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var dw = [Double](repeating: 0, count: Ci * Co * kh * kw)
        for n in 0..<N { for ci in 0..<Ci { for iy in 0..<H { for ix in 0..<W {
            let value = Double(x[((n * Ci + ci) * H + iy) * W + ix])
            for co in 0..<Co { for ky in 0..<kh { for kx in 0..<kw {
                let oy = iy * s - p + ky, ox = ix * s - p + kx
                guard oy >= 0, oy < Ho, ox >= 0, ox < Wo else { continue }
                dw[((ci * Co + co) * kh + ky) * kw + kx] += value * Double(dy[((n * Co + co) * Ho + oy) * Wo + ox])
            }}}
        }}}}
        return dw.map(Float.init)
    }

    /// The source index of padded coordinate `i` (relative to the interior) along an axis of length
    /// `n`, or nil for zero padding.
    static func padSource(_ i: Int, _ n: Int, _ mode: PaddingGeometry.Mode) -> Int? {
        if (0..<n).contains(i) { return i }
        switch mode {
        case .zero: return nil
        case .replicate: return min(max(i, 0), n - 1)
        case .reflect:
            // Walk the mirror: …, 2, 1, [0, 1, …, n−1], n−2, n−3, …
            var j = i
            while !(0..<n).contains(j) { j = j < 0 ? -j : 2 * (n - 1) - j }
            return j
        }
    }

    static func padForward(_ g: PaddingGeometry, x: [Float]) -> [Float] {
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var y = [Float](repeating: 0, count: g.planes * Ho * Wo)
        for plane in 0..<g.planes { for oy in 0..<Ho { for ox in 0..<Wo {
            if let sy = padSource(oy - g.top, g.height, g.mode), let sx = padSource(ox - g.left, g.width, g.mode) {
                y[(plane * Ho + oy) * Wo + ox] = x[(plane * g.height + sy) * g.width + sx]
            }
        }}}
        return y
    }

    static func padBackward(_ g: PaddingGeometry, dy: [Float]) -> [Float] {
        let (Ho, Wo) = (g.outputHeight, g.outputWidth)
        var dx = [Float](repeating: 0, count: g.planes * g.height * g.width)
        for plane in 0..<g.planes { for oy in 0..<Ho { for ox in 0..<Wo {
            if let sy = padSource(oy - g.top, g.height, g.mode), let sx = padSource(ox - g.left, g.width, g.mode) {
                dx[(plane * g.height + sy) * g.width + sx] += dy[(plane * Ho + oy) * Wo + ox]
            }
        }}}
        return dx
    }

    /// Max pool that also returns, per output, the flat input index of the first maximum.
    static func maxPool(_ g: PoolGeometry, x: [Float]) -> (y: [Float], winners: [Int]) {
        let (Ho, Wo, k, s) = (g.outputHeight, g.outputWidth, g.kernelSize, g.stride)
        var y: [Float] = [], winners: [Int] = []
        for plane in 0..<g.planes { for oy in 0..<Ho { for ox in 0..<Wo {
            var best = -Float.infinity, at = -1
            for ky in 0..<k { for kx in 0..<k {
                let index = (plane * g.height + oy * s + ky) * g.width + ox * s + kx
                if at < 0 || x[index] > best { best = x[index]; at = index }
            }}
            y.append(best)
            winners.append(at)
        }}}
        return (y, winners)
    }

    static func averagePool(_ g: PoolGeometry, x: [Float]) -> [Float] {
        let (Ho, Wo, k, s) = (g.outputHeight, g.outputWidth, g.kernelSize, g.stride)
        var y: [Float] = []
        for plane in 0..<g.planes { for oy in 0..<Ho { for ox in 0..<Wo {
            var total = 0.0
            for ky in 0..<k { for kx in 0..<k {
                total += Double(x[(plane * g.height + oy * s + ky) * g.width + ox * s + kx])
            }}
            y.append(Float(total / Double(k * k)))
        }}}
        return y
    }

    /// PixelShuffle by PyTorch's definition: view as [N, C, r, r, H, W], permute to [N, C, H, r, W, r].
    static func pixelShuffle(_ g: PixelShuffleGeometry, x: [Float]) -> [Float] {
        let (N, C, H, W, r) = (g.batch, g.channels, g.height, g.width, g.factor)
        var y = [Float](repeating: .nan, count: x.count)
        for n in 0..<N { for c in 0..<C { for i in 0..<r { for j in 0..<r { for h in 0..<H { for w in 0..<W {
            let source = ((((n * C + c) * r + i) * r + j) * H + h) * W + w
            let target = ((((n * C + c) * H + h) * r + i) * W + w) * r + j
            y[target] = x[source]
        }}}}}}
        return y
    }

    /// Keys' cubic convolution kernel with A = −0.75.
    static func cubic(_ d: Double) -> Double {
        let a = -0.75, t = Swift.abs(d)
        if t <= 1 { return ((a + 2) * t - (a + 3)) * t * t + 1 }
        if t < 2 { return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }
        return 0
    }

    /// Resize by the textbook definition: output pixel centres map to `(i + ½)·in/out − ½`; bilinear
    /// blends the two nearest pixels (coordinates clamped at 0), bicubic weighs four neighbours by the
    /// cubic kernel of their distance, reading clamped (replicated) border pixels.
    static func resize(x: [Float], planes: Int, inH: Int, inW: Int, outH: Int, outW: Int, bicubic: Bool) -> [Float] {
        func taps(_ i: Int, _ input: Int, _ output: Int) -> [(Int, Double)] {
            let source = (Double(i) + 0.5) * Double(input) / Double(output) - 0.5
            if bicubic {
                let base = Int(source.rounded(.down))
                return (-1...2).map { m in (min(max(base + m, 0), input - 1), cubic(source - Double(base + m))) }
            }
            let s = max(0, source)
            let i0 = min(Int(s), input - 1), i1 = min(i0 + 1, input - 1)
            let lambda = min(s - Double(i0), 1)
            return [(i0, 1 - lambda), (i1, lambda)]
        }
        var y: [Float] = []
        for plane in 0..<planes { for oy in 0..<outH { for ox in 0..<outW {
            var total = 0.0
            for (iy, wy) in taps(oy, inH, outH) {
                for (ix, wx) in taps(ox, inW, outW) { total += wy * wx * Double(x[(plane * inH + iy) * inW + ix]) }
            }
            y.append(Float(total))
        }}}
        return y
    }
}

/// Runs `body` on a fresh buffer of `count` floats (pre-filled with NaN so unwritten elements show).
func output(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    var result = [Float](repeating: .nan, count: count)
    result.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return result
}

/// Largest |a − b|, scaled by max(1, |b|).
func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "lengths \(a.count) and \(b.count) differ")
    var worst: Float = 0
    for i in a.indices {
        let e = Swift.abs(a[i] - b[i]) / max(1, Swift.abs(b[i]))
        if e.isNaN { return .nan }
        worst = max(worst, e)
    }
    return worst
}
