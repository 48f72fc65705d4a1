import Testing
import Tensors
import TestSupport

@Suite struct ElementwiseTests {
    @Test func arithmeticOnLiterals() {
        let a = Tensor(shape: [2, 2], scalars: [1, -2, 3, -4])
        let b = Tensor(shape: [2, 2], scalars: [0.5, 0.5, 2, 2])
        #expect((a + b).scalars == [1.5, -1.5, 5, -2])
        #expect((a - b).scalars == [0.5, -2.5, 1, -6])
        #expect((a * b).scalars == [0.5, -1, 6, -8])
        #expect(a.scaled(by: 2).scalars == [2, -4, 6, -8])
        #expect(a.abs().scalars == [1, 2, 3, 4])
        #expect(a.relu().scalars == [1, 0, 3, 0])
        #expect(a.leakyReLU(slope: 0.2).scalars == [1, -0.4, 3, -0.8])
        #expect(a.sum().scalar == -2)
        #expect(a.mean().scalar == -0.5)
    }

    @Test func simdBodyAndTailAgree() {
        // 37 elements: four SIMD8 blocks and a 5-element scalar tail.
        let x = Compare.randomTensor([37], seed: 1)
        let y = x.leakyReLU(slope: 0.1).scalars
        let expected = x.scalars.map { $0 < 0 ? 0.1 * $0 : $0 }
        #expect(y == expected)
        let sum = x.sum().scalar
        let naive = x.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(Swift.abs(Double(sum) - naive) < 1e-5)
    }

    @Test(arguments: ["add", "sub", "mul", "scale", "abs", "square", "relu", "leaky", "tanh", "sigmoid",
                      "exp", "sum", "mean", "mse", "l1", "bce", "clamp"])
    func gradientMatchesFiniteDifferences(op: String) {
        let a = Compare.randomTensor([2, 3, 5], seed: 3)
        let b = Compare.randomTensor([2, 3, 5], seed: 4)
        let report = GradientCheck.check(inputs: [a, b], step: 1e-2) { t in
            switch op {
            case "add": return t[0] + t[1]
            case "sub": return t[0] - t[1]
            case "mul": return t[0] * t[1]
            case "scale": return t[0].scaled(by: -1.5) + t[1]
            case "abs": return t[0].abs() + t[1]
            case "square": return t[0].squared() + t[1]
            case "relu": return t[0].relu() + t[1]
            case "leaky": return t[0].leakyReLU(slope: 0.2) + t[1]
            case "tanh": return t[0].tanh() + t[1]
            case "sigmoid": return t[0].sigmoid() + t[1]
            case "exp": return t[0].exp() + t[1]
            case "sum": return (t[0] * t[1]).sum()
            case "mean": return (t[0] * t[1]).mean()
            case "mse": return t[0].mseLoss(t[1])
            case "l1": return t[0].l1Loss(t[1])
            case "bce": return t[0].scaled(by: 3).bceWithLogitsLoss(t[1].adding(1).scaled(by: 0.5))
            case "clamp": return t[0].clamped(to: -0.7...0.7) + t[1]
            default: fatalError("unknown op \(op)")
            }
        }
        // Kinks (abs, relu, clamp) are avoided by the seeds: no element is within the step of 0 or ±0.7.
        #expect(report.maxError < 2e-3, "\(op): \(report)")
    }

    @Test func shapeOpsGradients() {
        let a = Compare.randomTensor([2, 3, 2, 2], seed: 5)
        let b = Compare.randomTensor([2, 1, 2, 2], seed: 6)
        let cat = GradientCheck.check(inputs: [a, b]) { t in t[0].concatenated(with: t[1], alongAxis: 1) }
        #expect(cat.maxError < 1e-3, "\(cat)")
        let slice = GradientCheck.check(inputs: [a]) { t in t[0].sliced(alongAxis: 1, 1..<3).tanh() }
        #expect(slice.maxError < 1e-3, "\(slice)")
        let reshape = GradientCheck.check(inputs: [a]) { t in t[0].flattened().tanh() }
        #expect(reshape.maxError < 1e-3, "\(reshape)")
    }

    @Test func concatenateLayout() {
        let a = Tensor(shape: [1, 2, 1, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [1, 1, 1, 2], scalars: [5, 6])
        #expect(a.concatenated(with: b, alongAxis: 1).scalars == [1, 2, 3, 4, 5, 6])
        #expect(a.concatenated(with: a, alongAxis: 3).scalars == [1, 2, 1, 2, 3, 4, 3, 4])
    }
}
