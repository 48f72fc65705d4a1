import Testing
import Tensors
import TestSupport

@Suite struct SpatialOpsTests {
    // MARK: - Padding

    @Test func reflectPaddingLiteral() {
        let x = Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let y = x.padded(by: 1, mode: .reflect)
        #expect(y.shape == [1, 1, 5, 5])
        #expect(y.scalars == [5, 4, 5, 6, 5,
                              2, 1, 2, 3, 2,
                              5, 4, 5, 6, 5,
                              8, 7, 8, 9, 8,
                              5, 4, 5, 6, 5])
        let uneven = x.padded(top: 0, bottom: 2, left: 1, right: 0, mode: .reflect)
        #expect(uneven.shape == [1, 1, 5, 4])
        #expect(uneven.scalars == [2, 1, 2, 3, 5, 4, 5, 6, 8, 7, 8, 9, 5, 4, 5, 6, 2, 1, 2, 3])
    }

    @Test func zeroAndReplicatePaddingLiteral() {
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])
        #expect(x.padded(top: 1, bottom: 0, left: 0, right: 1, mode: .zero).scalars == [0, 0, 0, 1, 2, 0])
        #expect(x.padded(top: 1, bottom: 0, left: 2, right: 1, mode: .replicate).scalars
                == [1, 1, 1, 2, 2, 1, 1, 1, 2, 2])
    }

    @Test(arguments: [PaddingMode.zero, .reflect, .replicate])
    func paddingGradientMatchesFiniteDifferences(_ mode: PaddingMode) {
        let x = Compare.randomTensor([2, 2, 4, 5], seed: 1)
        let report = GradientCheck.check(inputs: [x]) { t in
            t[0].padded(top: 2, bottom: 1, left: 3, right: 0, mode: mode)
        }
        #expect(report.maxError < 1e-3, "\(report)")
    }

    // MARK: - Pooling

    /// Distinct values 0.05 apart in a seeded order, so a finite-difference step never changes the
    /// winner of a max-pool window.
    static func spacedTensor(_ shape: Shape, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let order = Array(0..<shape.elementCount).shuffled(using: &generator)
        return Tensor(shape: shape, scalars: order.map { Float($0) * 0.05 - 1 })
    }

    @Test func poolingLiteral() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 0, 3, 4, 8, 6])
        #expect(x.maxPool2d(kernelSize: 2, stride: 2).scalars == [5, 8])
        #expect(x.avgPool2d(kernelSize: 2, stride: 2).scalars == [3.25, 4])
        #expect(x.maxPool2d(kernelSize: 2, stride: 1).scalars == [5, 8, 8])
    }

    @Test(arguments: [(2, 2), (3, 2), (3, 1)])
    func poolingGradientsMatchFiniteDifferences(_ c: (kernel: Int, stride: Int)) {
        let x = Self.spacedTensor([2, 2, 7, 6], seed: 2)
        let maxReport = GradientCheck.check(inputs: [x]) { t in t[0].maxPool2d(kernelSize: c.kernel, stride: c.stride) }
        #expect(maxReport.maxError < 1e-3, "max: \(maxReport)")
        let avgReport = GradientCheck.check(inputs: [x]) { t in t[0].avgPool2d(kernelSize: c.kernel, stride: c.stride) }
        #expect(avgReport.maxError < 1e-3, "avg: \(avgReport)")
    }

    // MARK: - Pixel shuffle

    @Test func pixelShuffleLiteral() {
        // [1, 4, 1, 2] → [1, 1, 2, 4]: channel i·2 + j fills sub-pixel (i, j).
        let x = Tensor(shape: [1, 4, 1, 2], scalars: [0, 1, 10, 11, 20, 21, 30, 31])
        let y = x.pixelShuffled(upscaleFactor: 2)
        #expect(y.shape == [1, 1, 2, 4])
        #expect(y.scalars == [0, 10, 1, 11, 20, 30, 21, 31])
    }

    @Test func pixelShuffleGradientMatchesFiniteDifferences() {
        let x = Compare.randomTensor([2, 8, 3, 2], seed: 3)
        let report = GradientCheck.check(inputs: [x]) { t in t[0].pixelShuffled(upscaleFactor: 2) }
        #expect(report.maxError < 1e-3, "\(report)")
    }

    @Test func pixelUnshuffleLiteralInvertsShuffle() {
        // [1, 1, 2, 4] → [1, 4, 1, 2]: sub-pixel (i, j) goes to channel i·2 + j (BasicSR's pixel_unshuffle).
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [0, 10, 1, 11, 20, 30, 21, 31])
        let y = x.pixelUnshuffled(downscaleFactor: 2)
        #expect(y.shape == [1, 4, 1, 2])
        #expect(y.scalars == [0, 1, 10, 11, 20, 21, 30, 31])
        let random = Compare.randomTensor([2, 3, 8, 4], seed: 9)
        #expect(random.pixelUnshuffled(downscaleFactor: 4).pixelShuffled(upscaleFactor: 4).scalars == random.scalars)
    }

    @Test func pixelUnshuffleGradientMatchesFiniteDifferences() {
        let x = Compare.randomTensor([2, 2, 4, 6], seed: 4)
        let report = GradientCheck.check(inputs: [x]) { t in t[0].pixelUnshuffled(downscaleFactor: 2) }
        #expect(report.maxError < 1e-3, "\(report)")
    }

    // MARK: - Nearest upsampling

    @Test func nearestUpsampleLiteral() {
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let y = x.upsampledNearest(factor: 2)
        #expect(y.shape == [1, 1, 4, 4])
        #expect(y.scalars == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        #expect(x.upsampledNearest(factor: 1).scalars == x.scalars)
    }

    @Test(arguments: [2, 3])
    func nearestUpsampleGradientMatchesFiniteDifferences(_ factor: Int) {
        let x = Compare.randomTensor([2, 3, 3, 2], seed: 5)
        let report = GradientCheck.check(inputs: [x]) { t in t[0].upsampledNearest(factor: factor) }
        #expect(report.maxError < 1e-3, "\(report)")
    }

    // MARK: - Resize

    @Test func resizeLiteral() {
        let x = Tensor(shape: [1, 1, 1, 2], scalars: [1, 2])
        // Source coordinates for 2 → 4: −0.25 (clamped to 0), 0.25, 0.75, 1.25.
        #expect(x.resized(height: 1, width: 4, method: .bilinear).scalars == [1, 1.25, 1.75, 2])
        // Bicubic (A = −0.75) with replicated borders; weights at t = 0.75 and 0.25 are
        // (−0.03515625, 0.26171875, 0.87890625, −0.10546875) and its mirror.
        let cubic = x.resized(height: 1, width: 4, method: .bicubic).scalars
        let expected: [Float] = [0.89453125, 1.2265625, 1.7734375, 2.10546875]
        #expect(Compare.maxAbsoluteDifference(cubic, expected) < 1e-6, "\(cubic)")
        // 2×2 → 1×1 takes the centre: the mean of the four pixels for both methods.
        let square = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        #expect(square.resized(height: 1, width: 1, method: .bilinear).scalars == [2.5])
        #expect(Swift.abs(square.resized(height: 1, width: 1, method: .bicubic).scalar - 2.5) < 1e-6)
    }

    @Test(arguments: [ResizeMethod.bilinear, .bicubic])
    func resizeGradientMatchesFiniteDifferences(_ method: ResizeMethod) {
        let x = Compare.randomTensor([1, 2, 5, 4], seed: 4)
        let up = GradientCheck.check(inputs: [x]) { t in t[0].resized(height: 8, width: 7, method: method) }
        #expect(up.maxError < 1e-3, "up: \(up)")
        let down = GradientCheck.check(inputs: [x]) { t in t[0].resized(height: 3, width: 2, method: method) }
        #expect(down.maxError < 1e-3, "down: \(down)")
    }
}
