import Kernels
import Testing
import TestSupport

/// One convolution test shape.
struct ConvCase: CustomStringConvertible, Sendable {
    var inputChannels, outputChannels, height, width, kernelHeight, kernelWidth, stride, padding, batch: Int
    var outputPadding = 0

    /// `ConvCase(n, c, h, w, to: o, k: kh, kw: kw, s: stride, p: padding, op: outputPadding)`.
    init(_ batch: Int, _ inputChannels: Int, _ height: Int, _ width: Int, to outputChannels: Int,
         k: Int, kw: Int? = nil, s: Int, p: Int, op: Int = 0) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.height = height
        self.width = width
        self.outputChannels = outputChannels
        kernelHeight = k
        kernelWidth = kw ?? k
        stride = s
        padding = p
        outputPadding = op
    }

    var description: String {
        "\(batch)×\(inputChannels)×\(height)×\(width) → \(outputChannels) k\(kernelHeight)×\(kernelWidth) "
            + "s\(stride) p\(padding)" + (outputPadding > 0 ? " op\(outputPadding)" : "")
    }

    func geometry(_ tuning: Conv2DTuning = .init()) -> Conv2DGeometry {
        Conv2DGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels, height: height,
                       width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                       padding: padding, tuning: tuning)
    }

    func transposed(_ tuning: Conv2DTuning = .init()) -> ConvTranspose2DGeometry {
        ConvTranspose2DGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels,
                                height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                stride: stride, padding: padding, outputPadding: outputPadding, tuning: tuning)
    }
}

/// Plans to compare: tile budgets that give one tile, one output row per tile and two rows per tile
/// (with a short last tile); each with one worker summing dw directly (the default for tiny images),
/// one worker summing dwᵀ partials, and 2 and 3 workers taking tiles concurrently.
func tunings(patchSize: Int, outputWidth: Int) -> [Conv2DTuning] {
    let budgets = [Conv2DTuning().tileBytes, 1, 2 * patchSize * outputWidth * 4]
    return budgets.flatMap { budget in
        [Conv2DTuning(tileBytes: budget, threads: 1)]
            + [1, 2, 3].map {
                Conv2DTuning(tileBytes: budget, threads: $0, minimumPixelsPerWorker: 1,
                             minimumPixelsForTransposedWeightGradient: 1)
            }
    }
}

/// "3 rows per tile, 2 workers, dwᵀ partials" for failure messages.
func describe(_ plan: Conv2DPlan) -> String {
    "\(plan.rowsPerTile) rows per tile, \(plan.workers) workers"
        + (plan.transposedWeightGradient ? ", dwᵀ partials" : ", direct dw")
}

/// `db[c] = Σ_{n, i} dy[n, c, i]`, in Double.
func naiveChannelSums(_ dy: [Float], batch: Int, channels: Int, plane: Int) -> [Float] {
    (0..<channels).map { c in
        Float((0..<batch).reduce(0.0) { total, n in
            total + dy[(n * channels + c) * plane..<(n * channels + c + 1) * plane].reduce(0.0) { $0 + Double($1) }
        })
    }
}

@Suite struct ConvolutionKernelsTests {
    static let convCases: [ConvCase] = [
        ConvCase(2, 1, 5, 7, to: 3, k: 3, s: 1, p: 1),
        ConvCase(2, 3, 9, 6, to: 7, k: 4, s: 2, p: 1),
        ConvCase(1, 7, 11, 8, to: 17, k: 7, s: 1, p: 3),
        ConvCase(2, 17, 6, 9, to: 5, k: 1, s: 1, p: 0),
        ConvCase(1, 3, 7, 10, to: 4, k: 1, s: 2, p: 0),
        ConvCase(2, 17, 8, 13, to: 7, k: 3, s: 2, p: 0),
        ConvCase(2, 7, 5, 6, to: 3, k: 3, kw: 4, s: 1, p: 3),
        ConvCase(2, 3, 12, 5, to: 1, k: 7, s: 2, p: 3),
        ConvCase(1, 1, 3, 3, to: 1, k: 3, s: 1, p: 0),
        ConvCase(1, 3, 10, 11, to: 2, k: 4, s: 3, p: 1),
        // Rows wide enough for the SIMD stride-2 gather and scatter, with a scalar tail.
        ConvCase(2, 3, 7, 41, to: 5, k: 3, s: 2, p: 1),
    ]

    /// Each case on both paths; the im2col path under every tiling, oneDNN (which tiles itself) once.
    @Test(arguments: convCases, ConvolutionPath.allCases)
    func conv2DMatchesNaiveLoop(_ shape: ConvCase, _ path: ConvolutionPath) {
        let g0 = shape.geometry()
        let (N, C, O) = (g0.batch, g0.inputChannels, g0.outputChannels)
        let x = Compare.randomValues(N * C * g0.inputPlane, seed: 1)
        let w = Compare.randomValues(O * g0.patchSize, seed: 2)
        let b = Compare.randomValues(O, seed: 3)
        let dy = Compare.randomValues(N * O * g0.outputPlane, seed: 4)
        let expectedY = Naive.convForward(g0, x: x, w: w, bias: b)
        let expectedYNoBias = Naive.convForward(g0, x: x, w: w, bias: nil)
        let expectedDX = Naive.convBackwardInput(g0, dy: dy, w: w)
        let expectedDW = Naive.convBackwardWeight(g0, dy: dy, x: x)
        let expectedDB = naiveChannelSums(dy, batch: N, channels: O, plane: g0.outputPlane)

        let tuningsToTry = path == .blas ? tunings(patchSize: g0.patchSize, outputWidth: g0.outputWidth) : [.init()]
        for tuning in tuningsToTry {
            let g = shape.geometry(tuning)
            let plan = "\(path), " + describe(g.plan)
            var scratch = [Float](repeating: .nan, count: max(1, g.scratchCount(for: path)))
            scratch.withUnsafeMutableBufferPointer { s in
                let y = output(expectedY.count) {
                    Conv2DKernels.forward(g, x: x, w: w, bias: b, y: $0, scratch: s, path: path)
                }
                let y0 = output(expectedY.count) {
                    Conv2DKernels.forward(g, x: x, w: w, bias: nil, y: $0, scratch: s, path: path)
                }
                let dx = output(x.count) { Conv2DKernels.backwardInput(g, dy: dy, w: w, dx: $0, scratch: s, path: path) }
                let dw = output(w.count) {
                    Conv2DKernels.backwardWeight(g, dy: dy, x: x, dw: $0, scratch: s, path: path)
                }
                var db = [Float](repeating: .nan, count: O)
                let dwWithBias = output(w.count) { dwPointer in
                    db.withUnsafeMutableBufferPointer { dbPointer in
                        Conv2DKernels.backwardWeight(g, dy: dy, x: x, dw: dwPointer, db: dbPointer.baseAddress!,
                                                     scratch: s, path: path)
                    }
                }
                #expect(maxRelativeError(y, expectedY) < 1e-5, "forward, \(plan)")
                #expect(maxRelativeError(y0, expectedYNoBias) < 1e-5, "forward without bias, \(plan)")
                #expect(maxRelativeError(dx, expectedDX) < 1e-5, "backward input, \(plan)")
                #expect(maxRelativeError(dw, expectedDW) < 1e-5, "backward weight, \(plan)")
                #expect(maxRelativeError(dwWithBias, expectedDW) < 1e-5, "backward weight with bias, \(plan)")
                #expect(maxRelativeError(db, expectedDB) < 1e-5, "backward bias, \(plan)")
            }
        }
    }

    static let transposedCases: [ConvCase] = [
        ConvCase(2, 3, 4, 5, to: 7, k: 4, s: 2, p: 1),
        ConvCase(2, 7, 5, 4, to: 3, k: 3, s: 2, p: 1, op: 1),
        ConvCase(1, 1, 3, 3, to: 17, k: 3, s: 1, p: 1),
        ConvCase(2, 17, 4, 6, to: 1, k: 1, s: 1, p: 0),
        ConvCase(1, 3, 5, 5, to: 3, k: 7, s: 2, p: 3, op: 1),
        ConvCase(1, 2, 3, 4, to: 5, k: 3, kw: 4, s: 3, p: 0, op: 2),
        ConvCase(2, 2, 3, 19, to: 3, k: 4, s: 2, p: 1),
    ]

    @Test(arguments: transposedCases, ConvolutionPath.allCases)
    func convTranspose2DMatchesNaiveLoop(_ shape: ConvCase, _ path: ConvolutionPath) {
        let g0 = shape.transposed()
        let (N, Ci, Co) = (g0.batch, g0.inputChannels, g0.outputChannels)
        let (kh, kw) = (g0.kernelHeight, g0.kernelWidth)
        let outputCount = N * Co * g0.outputHeight * g0.outputWidth
        let x = Compare.randomValues(N * Ci * g0.height * g0.width, seed: 5)
        let w = Compare.randomValues(Ci * Co * kh * kw, seed: 6)
        let b = Compare.randomValues(Co, seed: 7)
        let dy = Compare.randomValues(outputCount, seed: 8)
        let expectedY = Naive.convTransposeForward(g0, x: x, w: w, bias: b)
        let expectedDX = Naive.convTransposeBackwardInput(g0, dy: dy, w: w)
        let expectedDW = Naive.convTransposeBackwardWeight(g0, dy: dy, x: x)

        let tuningsToTry = path == .blas ? tunings(patchSize: g0.adjoint.patchSize, outputWidth: g0.width) : [.init()]
        for tuning in tuningsToTry {
            let g = shape.transposed(tuning)
            let plan = "\(path), " + describe(g.adjoint.plan)
            var scratch = [Float](repeating: .nan, count: max(1, g.scratchCount(for: path)))
            scratch.withUnsafeMutableBufferPointer { s in
                let y = output(outputCount) {
                    ConvTranspose2DKernels.forward(g, x: x, w: w, bias: b, y: $0, scratch: s, path: path)
                }
                let dx = output(x.count) {
                    ConvTranspose2DKernels.backwardInput(g, dy: dy, w: w, dx: $0, scratch: s, path: path)
                }
                let dw = output(w.count) {
                    ConvTranspose2DKernels.backwardWeight(g, dy: dy, x: x, dw: $0, scratch: s, path: path)
                }
                #expect(maxRelativeError(y, expectedY) < 1e-5, "forward, \(plan)")
                #expect(maxRelativeError(dx, expectedDX) < 1e-5, "backward input, \(plan)")
                #expect(maxRelativeError(dw, expectedDW) < 1e-5, "backward weight, \(plan)")
            }
        }
    }

    /// Enough one-row tiles (2 images × 24 rows, each tile tens of µs) that every worker takes some, so
    /// the partial weight-gradient sums and the phased col2im really run concurrently.
    @Test(arguments: [(1, 1), (2, 1), (1, 2)])
    func manyTilesOnSeveralWorkersMatchNaiveLoop(_ c: (stride: Int, padding: Int)) {
        for threads in [2, 3] {
            let g = Conv2DGeometry(batch: 2, inputChannels: 16, outputChannels: 8, height: 24, width: 20,
                                   kernelHeight: 3, kernelWidth: 3, stride: c.stride, padding: c.padding,
                                   tuning: Conv2DTuning(tileBytes: 1, threads: threads, minimumPixelsPerWorker: 1))
            let x = Compare.randomValues(2 * 16 * g.inputPlane, seed: 41)
            let w = Compare.randomValues(8 * g.patchSize, seed: 42)
            let dy = Compare.randomValues(2 * 8 * g.outputPlane, seed: 43)
            var scratch = [Float](repeating: .nan, count: g.scratchCount)
            scratch.withUnsafeMutableBufferPointer { s in
                let y = output(dy.count) {
                    Conv2DKernels.forward(g, x: x, w: w, bias: nil, y: $0, scratch: s, path: .blas)
                }
                let dx = output(x.count) { Conv2DKernels.backwardInput(g, dy: dy, w: w, dx: $0, scratch: s, path: .blas) }
                let dw = output(w.count) {
                    Conv2DKernels.backwardWeight(g, dy: dy, x: x, dw: $0, scratch: s, path: .blas)
                }
                #expect(maxRelativeError(y, Naive.convForward(g, x: x, w: w, bias: nil)) < 1e-5)
                #expect(maxRelativeError(dx, Naive.convBackwardInput(g, dy: dy, w: w)) < 1e-5)
                #expect(maxRelativeError(dw, Naive.convBackwardWeight(g, dy: dy, x: x)) < 1e-5)
            }
        }
    }

    @Test func planSplitsOnlyLargeImages() {
        func plan(_ size: Int, threads: Int) -> Conv2DPlan {
            Conv2DGeometry(batch: 1, inputChannels: 512, outputChannels: 512, height: size, width: size,
                           kernelHeight: 4, kernelWidth: 4, stride: 2, padding: 1,
                           tuning: Conv2DTuning(threads: threads)).plan
        }
        #expect(plan(16, threads: 2).workers == 1 && !plan(16, threads: 2).transposedWeightGradient)
        #expect(plan(128, threads: 2).workers == 2 && plan(128, threads: 2).transposedWeightGradient)
        #expect(plan(128, threads: 1).workers == 1 && plan(128, threads: 1).transposedWeightGradient)
        #expect(plan(64, threads: 1).workers == 1 && !plan(64, threads: 1).transposedWeightGradient)
        #expect(plan(64, threads: 2).workers == 1 && !plan(64, threads: 2).transposedWeightGradient)
        #expect(plan(128, threads: 2).tileCount >= 8)
    }

    @Test func geometryFormulas() {
        let g = Conv2DGeometry(batch: 1, inputChannels: 3, outputChannels: 64, height: 256, width: 250,
                               kernelHeight: 7, kernelWidth: 7, stride: 2, padding: 3)
        #expect(g.outputHeight == 128 && g.outputWidth == 125)
        #expect(g.patchSize == 147)
        #expect(g.multiplyAdds == 64 * 147 * 128 * 125)
        #expect(!Conv2DGeometry(batch: 1, inputChannels: 1, outputChannels: 1, height: 2, width: 5,
                                kernelHeight: 5, kernelWidth: 5, stride: 1, padding: 1).isValid)
        let t = ConvTranspose2DGeometry(batch: 1, inputChannels: 256, outputChannels: 128, height: 64, width: 64,
                                        kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1, outputPadding: 1)
        #expect(t.outputHeight == 128 && t.outputWidth == 128)
        #expect(t.adjoint.outputHeight == 64 && t.adjoint.outputWidth == 64)
        #expect(!ConvTranspose2DGeometry(batch: 1, inputChannels: 1, outputChannels: 1, height: 3, width: 3,
                                         kernelHeight: 3, kernelWidth: 3, stride: 2, outputPadding: 2).isValid)
    }

    @Test func channelBiasAndSums() {
        let dy: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]  // [N=2, C=2, plane=3]
        let db = output(2) { Conv2DKernels.channelSums(dy, db: $0, batch: 2, channels: 2, plane: 3) }
        let expected: [Float] = [30, 48]  // 1+2+3+7+8+9, 4+5+6+10+11+12
        #expect(db == expected)
        var y = dy
        y.withUnsafeMutableBufferPointer {
            Conv2DKernels.addChannelBias($0.baseAddress!, bias: [10, 20], batch: 2, channels: 2, plane: 3)
        }
        #expect(y == [11, 12, 13, 24, 25, 26, 17, 18, 19, 30, 31, 32])
    }
}
