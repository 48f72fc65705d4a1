import Layers
import Tensors
import Testing

@Suite struct InitializationTests {
    private func statistics(_ values: [Float]) -> (mean: Float, std: Float) {
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        return (mean, variance.squareRoot())
    }

    @Test func referenceDefaultDrawsConvWeightsFromNormalWithGainAndZeroesBiases() {
        let net = Sequential(Conv2D(inputChannels: 16, outputChannels: 32, kernelSize: 3), BatchNorm2D(channels: 32),
                             ConvTranspose2D(inputChannels: 32, outputChannels: 8, kernelSize: 4), PReLU(channels: 8))
        var generator = SeededGenerator(seed: 1)
        initializeWeights(net, .reference, using: &generator)
        let conv = net[0] as! Conv2D, norm = net[1] as! BatchNorm2D, transposed = net[2] as! ConvTranspose2D
        let (mean, std) = statistics(conv.weight.value.scalars)
        #expect(abs(mean) < 0.002)
        #expect(abs(std - 0.02) < 0.001)
        #expect(conv.bias!.value.scalars.allSatisfy { $0 == 0 })
        #expect(abs(statistics(transposed.weight.value.scalars).std - 0.02) < 0.001)
        // Batch-norm γ ~ N(1, 0.02), β = 0; running statistics untouched.
        let gamma = statistics(norm.weight.value.scalars)
        #expect(abs(gamma.mean - 1) < 0.02 && gamma.std > 0.005 && gamma.std < 0.04)
        #expect(norm.bias.value.scalars.allSatisfy { $0 == 0 })
        #expect(norm.runningVariance.value.scalars.allSatisfy { $0 == 1 })
        #expect((net[3] as! PReLU).weight.value.scalars.allSatisfy { $0 == 0.25 })
    }

    @Test func xavierAndKaimingUseFans() {
        var generator = SeededGenerator(seed: 2)
        let shape: Shape = [64, 32, 3, 3]  // fan_in 288, fan_out 576
        let xavier = statistics(WeightInitialization.xavier(gain: 2).sample(shape: shape, using: &generator).scalars).std
        #expect(abs(xavier - 2 * (2 / Float(288 + 576)).squareRoot()) < 0.004)
        let kaiming = statistics(WeightInitialization.kaiming(gain: 0.02).sample(shape: shape, using: &generator).scalars).std
        #expect(abs(kaiming - (2 / Float(288)).squareRoot()) < 0.003)
    }

    @Test(arguments: [(8, 18), (18, 8)]) func orthogonalRowsOrColumnsAreOrthonormalTimesGain(_ rows: Int, _ columns: Int) {
        var generator = SeededGenerator(seed: 3)
        let w = WeightInitialization.orthogonal(gain: 0.5).sample(shape: [rows, columns / 2, 2], using: &generator).scalars
        // W·Wᵀ = 0.25·I when rows ≤ columns, Wᵀ·W = 0.25·I otherwise.
        let small = min(rows, columns)
        var worst: Float = 0
        for i in 0..<small {
            for j in 0..<small {
                var dot: Float = 0
                for k in 0..<max(rows, columns) {
                    dot += rows <= columns ? w[i * columns + k] * w[j * columns + k] : w[k * columns + i] * w[k * columns + j]
                }
                worst = max(worst, abs(dot - (i == j ? 0.25 : 0)))
            }
        }
        #expect(worst < 1e-5)
    }

    @Test func schemesAreNamedAsTheReference() {
        #expect(WeightInitialization(name: "kaiming", gain: 0.02) == .kaiming(gain: 0.02))
        #expect(WeightInitialization(name: "uniform") == nil)
        #expect(WeightInitialization.reference.name == "normal")
        #expect(WeightInitialization.reference.gain == 0.02)
    }
}
