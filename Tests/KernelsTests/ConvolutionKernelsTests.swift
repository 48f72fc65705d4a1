import Kernels
import Testing
import TestSupport

/// One convolution test shape.
struct ConvCase: CustomStringConvertible, Sendable {
    var inputChannels, outputChannels, height, width, kernelHeight, kernelWidth, stride, padding, batch: Int
    var outputPadding = 0

    var description: String {
        "\(batch)×\(inputChannels)×\(height)×\(width) → \(outputChannels) k\(kernelHeight)×\(kernelWidth) "
            + "s\(stride) p\(padding)" + (outputPadding > 0 ? " op\(outputPadding)" : "")
    }

    func geometry(tileBytes: Int = Conv2DKernels.defaultTileBytes) -> Conv2DGeometry {
        Conv2DGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels, height: height,
                       width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                       padding: padding, tileBytes: tileBytes)
    }

    func transposed(tileBytes: Int = Conv2DKernels.defaultTileBytes) -> ConvTranspose2DGeometry {
        ConvTranspose2DGeometry(batch: batch, inputChannels: inputChannels, outputChannels: outputChannels,
                                height: height, width: width, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                stride: stride, padding: padding, outputPadding: outputPadding, tileBytes: tileBytes)
    }
}

/// Tile budgets that give one tile, one output row per tile, and two rows per tile (with a short last tile).
func tileBudgets(patchSize: Int, outputWidth: Int) -> [Int] {
    [Conv2DKernels.defaultTileBytes, 1, 2 * patchSize * outputWidth * 4]
}

@Suite struct ConvolutionKernelsTests {
    static let convCases: [ConvCase] = [
        ConvCase(inputChannels: 1, outputChannels: 3, height: 5, width: 7, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1, batch: 2),
        ConvCase(inputChannels: 3, outputChannels: 7, height: 9, width: 6, kernelHeight: 4, kernelWidth: 4, stride: 2, padding: 1, batch: 2),
        ConvCase(inputChannels: 7, outputChannels: 17, height: 11, width: 8, kernelHeight: 7, kernelWidth: 7, stride: 1, padding: 3, batch: 1),
        ConvCase(inputChannels: 17, outputChannels: 5, height: 6, width: 9, kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0, batch: 2),
        ConvCase(inputChannels: 3, outputChannels: 4, height: 7, width: 10, kernelHeight: 1, kernelWidth: 1, stride: 2, padding: 0, batch: 1),
        ConvCase(inputChannels: 17, outputChannels: 7, height: 8, width: 13, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 0, batch: 2),
        ConvCase(inputChannels: 7, outputChannels: 3, height: 5, width: 6, kernelHeight: 3, kernelWidth: 4, stride: 1, padding: 3, batch: 2),
        ConvCase(inputChannels: 3, outputChannels: 1, height: 12, width: 5, kernelHeight: 7, kernelWidth: 7, stride: 2, padding: 3, batch: 2),
        ConvCase(inputChannels: 1, outputChannels: 1, height: 3, width: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 0, batch: 1),
        ConvCase(inputChannels: 3, outputChannels: 2, height: 10, width: 11, kernelHeight: 4, kernelWidth: 4, stride: 3, padding: 1, batch: 1),
    ]

    @Test(arguments: convCases)
    func conv2DMatchesNaiveLoop(_ shape: ConvCase) {
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

        for budget in tileBudgets(patchSize: g0.patchSize, outputWidth: g0.outputWidth) {
            let g = shape.geometry(tileBytes: budget)
            var scratch = [Float](repeating: .nan, count: max(1, g.scratchCount))
            scratch.withUnsafeMutableBufferPointer { s in
                let s = s.baseAddress!
                let y = output(expectedY.count) { Conv2DKernels.forward(g, x: x, w: w, bias: b, y: $0, scratch: s) }
                let y0 = output(expectedY.count) { Conv2DKernels.forward(g, x: x, w: w, bias: nil, y: $0, scratch: s) }
                let dx = output(x.count) { Conv2DKernels.backwardInput(g, dy: dy, w: w, dx: $0, scratch: s) }
                let dw = output(w.count) { Conv2DKernels.backwardWeight(g, dy: dy, x: x, dw: $0, scratch: s) }
                #expect(maxRelativeError(y, expectedY) < 1e-5, "forward, \(g.tileRows) rows per tile")
                #expect(maxRelativeError(y0, expectedYNoBias) < 1e-5, "forward without bias, \(g.tileRows) rows per tile")
                #expect(maxRelativeError(dx, expectedDX) < 1e-5, "backward input, \(g.tileRows) rows per tile")
                #expect(maxRelativeError(dw, expectedDW) < 1e-5, "backward weight, \(g.tileRows) rows per tile")
            }
        }
    }

    static let transposedCases: [ConvCase] = [
        ConvCase(inputChannels: 3, outputChannels: 7, height: 4, width: 5, kernelHeight: 4, kernelWidth: 4, stride: 2, padding: 1, batch: 2),
        ConvCase(inputChannels: 7, outputChannels: 3, height: 5, width: 4, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: 1, batch: 2, outputPadding: 1),
        ConvCase(inputChannels: 1, outputChannels: 17, height: 3, width: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1, batch: 1),
        ConvCase(inputChannels: 17, outputChannels: 1, height: 4, width: 6, kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0, batch: 2),
        ConvCase(inputChannels: 3, outputChannels: 3, height: 5, width: 5, kernelHeight: 7, kernelWidth: 7, stride: 2, padding: 3, batch: 1, outputPadding: 1),
        ConvCase(inputChannels: 2, outputChannels: 5, height: 3, width: 4, kernelHeight: 3, kernelWidth: 4, stride: 3, padding: 0, batch: 1, outputPadding: 2),
    ]

    @Test(arguments: transposedCases)
    func convTranspose2DMatchesNaiveLoop(_ shape: ConvCase) {
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

        for budget in tileBudgets(patchSize: g0.adjoint.patchSize, outputWidth: g0.width) {
            let g = shape.transposed(tileBytes: budget)
            var scratch = [Float](repeating: .nan, count: max(1, g.scratchCount))
            scratch.withUnsafeMutableBufferPointer { s in
                let s = s.baseAddress!
                let y = output(outputCount) { ConvTranspose2DKernels.forward(g, x: x, w: w, bias: b, y: $0, scratch: s) }
                let dx = output(x.count) { ConvTranspose2DKernels.backwardInput(g, dy: dy, w: w, dx: $0, scratch: s) }
                let dw = output(w.count) { ConvTranspose2DKernels.backwardWeight(g, dy: dy, x: x, dw: $0, scratch: s) }
                #expect(maxRelativeError(y, expectedY) < 1e-5, "forward, \(g.adjoint.tileRows) rows per tile")
                #expect(maxRelativeError(dx, expectedDX) < 1e-5, "backward input, \(g.adjoint.tileRows) rows per tile")
                #expect(maxRelativeError(dw, expectedDW) < 1e-5, "backward weight, \(g.adjoint.tileRows) rows per tile")
            }
        }
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
        y.withUnsafeMutableBufferPointer { Conv2DKernels.addChannelBias($0.baseAddress!, bias: [10, 20], batch: 2, channels: 2, plane: 3) }
        #expect(y == [11, 12, 13, 24, 25, 26, 17, 18, 19, 30, 31, 32])
    }
}
