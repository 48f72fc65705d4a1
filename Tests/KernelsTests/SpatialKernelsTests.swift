import Kernels
import Testing
import TestSupport

@Suite struct SpatialKernelsTests {
    // MARK: - Padding

    struct PadCase: CustomStringConvertible, Sendable {
        var planes, height, width, top, bottom, left, right: Int
        var description: String { "\(planes)×\(height)×\(width) pad t\(top) b\(bottom) l\(left) r\(right)" }
    }

    static let padCases: [PadCase] = [
        PadCase(planes: 2, height: 5, width: 7, top: 1, bottom: 1, left: 1, right: 1),
        PadCase(planes: 3, height: 4, width: 6, top: 3, bottom: 0, left: 2, right: 5),
        PadCase(planes: 1, height: 9, width: 4, top: 0, bottom: 3, left: 3, right: 0),
        PadCase(planes: 17, height: 2, width: 3, top: 1, bottom: 1, left: 2, right: 2),
        PadCase(planes: 1, height: 8, width: 8, top: 7, bottom: 7, left: 7, right: 7),
    ]

    @Test(arguments: padCases, [PaddingGeometry.Mode.zero, .reflect, .replicate])
    func paddingMatchesNaiveLoop(_ shape: PadCase, mode: PaddingGeometry.Mode) {
        let g = PaddingGeometry(planes: shape.planes, height: shape.height, width: shape.width, top: shape.top,
                                bottom: shape.bottom, left: shape.left, right: shape.right, mode: mode)
        // Reflection needs each pad smaller than the padded dimension.
        if mode == .reflect && (max(g.top, g.bottom) >= g.height || max(g.left, g.right) >= g.width) { return }
        let x = Compare.randomValues(g.planes * g.height * g.width, seed: 11)
        let dy = Compare.randomValues(g.planes * g.outputHeight * g.outputWidth, seed: 12)
        let y = output(dy.count) { PaddingKernels.forward(g, x: x, y: $0) }
        let dx = output(x.count) { PaddingKernels.backward(g, dy: dy, dx: $0) }
        #expect(y == Naive.padForward(g, x: x))
        #expect(maxRelativeError(dx, Naive.padBackward(g, dy: dy)) < 1e-6)
    }

    @Test func reflectPaddingLiteral() {
        // 1 plane [[1, 2, 3], [4, 5, 6]], pad top 1, left 2, right 1 → rows mirror about row 0.
        let g = PaddingGeometry(planes: 1, height: 2, width: 3, top: 1, bottom: 0, left: 2, right: 1, mode: .reflect)
        let y = output(3 * 6) { PaddingKernels.forward(g, x: [1, 2, 3, 4, 5, 6], y: $0) }
        #expect(y == [6, 5, 4, 5, 6, 5,
                      3, 2, 1, 2, 3, 2,
                      6, 5, 4, 5, 6, 5])
    }

    // MARK: - Pooling

    static let poolCases: [(planes: Int, height: Int, width: Int, kernel: Int, stride: Int)] = [
        (2, 6, 7, 2, 2), (3, 7, 9, 3, 2), (17, 5, 5, 3, 1), (1, 4, 11, 4, 3), (2, 3, 3, 1, 1),
    ]

    @Test(arguments: 0..<5)
    func poolingMatchesNaiveLoop(_ index: Int) {
        let c = Self.poolCases[index]
        let g = PoolGeometry(planes: c.planes, height: c.height, width: c.width, kernelSize: c.kernel, stride: c.stride)
        let x = Compare.randomValues(g.planes * g.height * g.width, seed: 21)
        let dy = Compare.randomValues(g.planes * g.outputHeight * g.outputWidth, seed: 22)
        let (expectedMax, winners) = Naive.maxPool(g, x: x)
        var expectedMaxDX = [Float](repeating: 0, count: x.count)
        for (i, at) in winners.enumerated() { expectedMaxDX[at] += dy[i] }
        var expectedAvgDX = [Float](repeating: 0, count: x.count)
        let k = g.kernelSize
        for plane in 0..<g.planes { for oy in 0..<g.outputHeight { for ox in 0..<g.outputWidth {
            let share = dy[(plane * g.outputHeight + oy) * g.outputWidth + ox] / Float(k * k)
            for ky in 0..<k { for kx in 0..<k {
                expectedAvgDX[(plane * g.height + oy * g.stride + ky) * g.width + ox * g.stride + kx] += share
            }}
        }}}

        #expect(output(dy.count) { PoolingKernels.maxForward(g, x: x, y: $0) } == expectedMax)
        let maxDX = output(x.count) { PoolingKernels.maxBackward(g, dy: dy, x: x, dx: $0) }
        #expect(maxRelativeError(maxDX, expectedMaxDX) < 1e-6)
        #expect(maxRelativeError(output(dy.count) { PoolingKernels.averageForward(g, x: x, y: $0) },
                                 Naive.averagePool(g, x: x)) < 1e-6)
        let avgDX = output(x.count) { PoolingKernels.averageBackward(g, dy: dy, dx: $0) }
        #expect(maxRelativeError(avgDX, expectedAvgDX) < 1e-6)
    }

    @Test func maxPoolTiesGoToTheFirstMaximum() {
        let g = PoolGeometry(planes: 1, height: 2, width: 2, kernelSize: 2, stride: 2)
        let dx = output(4) { PoolingKernels.maxBackward(g, dy: [5], x: [1, 3, 3, 2], dx: $0) }
        #expect(dx == [0, 5, 0, 0])
    }

    // MARK: - Pixel shuffle

    @Test(arguments: [(1, 1, 1, 1, 2), (2, 3, 4, 5, 2), (1, 2, 3, 2, 3), (2, 1, 2, 2, 1)])
    func pixelShuffleMatchesNaiveLayout(_ c: (Int, Int, Int, Int, Int)) {
        let g = PixelShuffleGeometry(batch: c.0, channels: c.1, height: c.2, width: c.3, factor: c.4)
        let x = (0..<g.elementCount).map(Float.init)
        let y = output(g.elementCount) { PixelShuffleKernels.shuffle(g, x: x, y: $0) }
        #expect(y == Naive.pixelShuffle(g, x: x))
        #expect(output(g.elementCount) { PixelShuffleKernels.unshuffle(g, y: y, x: $0) } == x)
    }

    // MARK: - Nearest upsampling

    /// Every output pixel is its source pixel `x[oy / s, ox / s]`; the backward is the adjoint
    /// (Σ dy·y(x) = Σ dx·x for any x, dy).
    @Test(arguments: [(1, 1, 1, 2), (3, 4, 5, 2), (2, 3, 2, 4), (1, 2, 3, 1), (2, 5, 1, 3)])
    func nearestUpsampleMatchesNaiveLoop(_ c: (Int, Int, Int, Int)) {
        let (planes, H, W, s) = c
        let x = Compare.randomValues(planes * H * W, seed: 21)
        let y = output(planes * H * W * s * s) { NearestUpsampleKernels.forward(planes: planes, height: H, width: W, factor: s, x: x, y: $0) }
        var expected = [Float](repeating: .nan, count: y.count)
        for p in 0..<planes { for oy in 0..<(H * s) { for ox in 0..<(W * s) {
            expected[(p * H * s + oy) * W * s + ox] = x[(p * H + oy / s) * W + ox / s]
        }}}
        #expect(y == expected)
        let dy = Compare.randomValues(y.count, seed: 22)
        let dx = output(x.count) { NearestUpsampleKernels.backward(planes: planes, height: H, width: W, factor: s, dy: dy, dx: $0) }
        var naive = [Float](repeating: 0, count: x.count)
        for p in 0..<planes { for oy in 0..<(H * s) { for ox in 0..<(W * s) {
            naive[(p * H + oy / s) * W + ox / s] += dy[(p * H * s + oy) * W * s + ox]
        }}}
        #expect(Compare.maxAbsoluteDifference(dx, naive) < 1e-5)
    }

    // MARK: - Resize

    @Test(arguments: [(3, 5, 7, 11), (8, 8, 3, 5), (4, 6, 4, 6), (1, 1, 3, 2), (5, 9, 17, 2), (16, 16, 5, 7)],
          [false, true])
    func resizeMatchesNaiveDefinition(_ size: (Int, Int, Int, Int), bicubic: Bool) {
        let (inH, inW, outH, outW) = size
        let method: ResizeAxis.Method = bicubic ? .bicubic : .bilinear
        let rows = ResizeAxis(input: inH, output: outH, method: method)
        let columns = ResizeAxis(input: inW, output: outW, method: method)
        let planes = 2
        let x = Compare.randomValues(planes * inH * inW, seed: 31)
        var scratch = [Float](repeating: .nan, count: planes * inH * outW)
        let y = output(planes * outH * outW) { y in
            ResizeKernels.forward(planes: planes, rows: rows, columns: columns, x: x, y: y, scratch: &scratch)
        }
        let expected = Naive.resize(x: x, planes: planes, inH: inH, inW: inW, outH: outH, outW: outW, bicubic: bicubic)
        #expect(maxRelativeError(y, expected) < 1e-5)

        // The backward is the adjoint: ⟨resize(x), dy⟩ = ⟨x, backward(dy)⟩.
        let dy = Compare.randomValues(planes * outH * outW, seed: 32)
        let dx = output(x.count) { dx in
            ResizeKernels.backward(planes: planes, rows: rows, columns: columns, dy: dy, dx: dx, scratch: &scratch)
        }
        let lhs = zip(y, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(Swift.abs(lhs - rhs) < 1e-4 * max(1, Swift.abs(lhs)))
    }

    @Test func resizeWeightsSumToOne() {
        for method in [ResizeAxis.Method.bilinear, .bicubic] {
            let axis = ResizeAxis(input: 7, output: 19, method: method)
            for i in 0..<axis.outputCount {
                let total = axis.weights[(i * axis.taps)..<((i + 1) * axis.taps)].reduce(0, +)
                #expect(Swift.abs(total - 1) < 1e-6)
            }
        }
    }
}
