import Testing
import Tensors
import TestSupport

@Suite struct NormalizationTests {
    @Test func instanceNormOnLiterals() {
        // One plane [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
        let x = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let y = x.instanceNormalized(scale: nil, offset: nil, epsilon: 0).scalars
        let s = 1 / Float(1.25).squareRoot()
        #expect(Compare.maxAbsoluteDifference(y, [-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s]) < 1e-6)
    }

    @Test func batchNormUpdatesRunningStatistics() {
        // Channel 0 over two samples: [1, 2] and [3, 4] → mean 2.5, unbiased variance 5/3.
        let x = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 4])
        let mean = Parameter(Tensor(zeros: [1]), trainable: false)
        let variance = Parameter(Tensor(repeating: 1, shape: [1]), trainable: false)
        _ = x.batchNormalized(scale: nil, offset: nil, runningMean: mean, runningVariance: variance, training: true)
        #expect(Swift.abs(mean.value.scalar - 0.25) < 1e-6)
        #expect(Swift.abs(variance.value.scalar - (0.9 + 0.1 * 5.0 / 3.0)) < 1e-6)
        // Inference uses the running statistics.
        let y = x.batchNormalized(scale: nil, offset: nil, runningMean: mean, runningVariance: variance, training: false)
        let expected = x.scalars.map { ($0 - 0.25) / (variance.value.scalar + 1e-5).squareRoot() }
        #expect(Compare.maxAbsoluteDifference(y.scalars, expected) < 1e-6)
    }

    @Test(arguments: [true, false])
    func batchNormGradients(training: Bool) {
        let x = Compare.randomTensor([3, 2, 3, 4], seed: 11)
        let gamma = Compare.randomTensor([2], seed: 12).adding(1.5)
        let beta = Compare.randomTensor([2], seed: 13)
        let mean = Parameter(Tensor(shape: [2], scalars: [0.1, -0.2]), trainable: false)
        let variance = Parameter(Tensor(shape: [2], scalars: [0.8, 1.3]), trainable: false)
        let report = GradientCheck.check(inputs: [x, gamma, beta], step: 1e-2) { t in
            t[0].batchNormalized(scale: t[1], offset: t[2], runningMean: training ? nil : mean,
                                 runningVariance: training ? nil : variance, training: training)
        }
        #expect(report.maxError < 3e-3, "\(report)")
    }

    @Test func batchNormOnFeatureVectors() {
        let x = Compare.randomTensor([5, 3], seed: 14)
        let report = GradientCheck.check(inputs: [x, Compare.randomTensor([3], seed: 15)]) { t in
            t[0].batchNormalized(scale: t[1], offset: nil, runningMean: nil, runningVariance: nil, training: true)
        }
        #expect(report.maxError < 3e-3, "\(report)")
    }

    @Test func instanceNormGradients() {
        let x = Compare.randomTensor([2, 3, 3, 5], seed: 21)
        let gamma = Compare.randomTensor([3], seed: 22).adding(1.5)
        let beta = Compare.randomTensor([3], seed: 23)
        let affine = GradientCheck.check(inputs: [x, gamma, beta], step: 1e-2) { t in
            t[0].instanceNormalized(scale: t[1], offset: t[2])
        }
        #expect(affine.maxError < 3e-3, "\(affine)")
        let plain = GradientCheck.check(inputs: [x], step: 1e-2) { t in t[0].instanceNormalized(scale: nil, offset: nil) }
        #expect(plain.maxError < 3e-3, "\(plain)")
    }

    @Test func preluLinearDropoutGradients() {
        let x = Compare.randomTensorAwayFromZero([2, 3, 2, 3], seed: 31)
        let perChannel = GradientCheck.check(inputs: [x, Tensor(shape: [3], scalars: [0.25, 0.1, -0.3])]) { t in
            t[0].prelu(weight: t[1])
        }
        #expect(perChannel.maxError < 2e-3, "\(perChannel)")
        let sharedSlope = GradientCheck.check(inputs: [x, Tensor(shape: [1], scalars: [0.25])]) { t in t[0].prelu(weight: t[1]) }
        #expect(sharedSlope.maxError < 2e-3, "\(sharedSlope)")

        let features = Compare.randomTensor([4, 5], seed: 32)
        let linear = GradientCheck.check(
            inputs: [features, Compare.randomTensor([3, 5], seed: 33), Compare.randomTensor([3], seed: 34)]
        ) { t in t[0].linear(weight: t[1], bias: t[2]) }
        #expect(linear.maxError < 2e-3, "\(linear)")

        // The gradient check redraws the mask per call, so use a fresh source with the same seed each time.
        let dropout = GradientCheck.check(inputs: [x]) { t in t[0].dropout(probability: 0.5, source: RandomSource(seed: 9)) }
        #expect(dropout.maxError < 2e-3, "\(dropout)")
    }

    @Test func dropoutKeepsExpectedFraction() {
        let x = Tensor(repeating: 1, shape: [1, 1, 100, 100])
        let y = x.dropout(probability: 0.5, source: RandomSource(seed: 1)).scalars
        let kept = y.filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 })
        #expect(Swift.abs(Double(kept.count) / 10_000 - 0.5) < 0.03)
    }

    @Test func linearOnLiterals() {
        let x = Tensor(shape: [1, 2], scalars: [1, 2])
        let w = Tensor(shape: [2, 2], scalars: [1, 0, 3, 4])
        let b = Tensor(shape: [2], scalars: [0.5, -1])
        #expect(x.linear(weight: w, bias: b).scalars == [1.5, 10])
    }
}
