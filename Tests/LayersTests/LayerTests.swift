import Layers
import Tensors
import TestSupport
import Testing

/// Forward passes on tiny inputs with hand-computed values, and the state-dict names of each layer.
@Suite struct LayerTests {
    private func close(_ a: Tensor, _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
        Compare.maxAbsoluteDifference(a.scalars, b) <= tolerance
    }

    @Test func conv2DComputesCrossCorrelationWithBias() {
        let conv = Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 2)
        conv.weight.value = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        conv.bias!.value = Tensor(shape: [1], scalars: [0.5])
        let x = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        // [1·1+2·2+3·4+4·5, 1·2+2·3+3·5+4·6] + 0.5
        let y = conv(x, phase: .inference)
        #expect(y.shape == [1, 1, 1, 2])
        #expect(close(y, [37.5, 47.5]))
        #expect(conv.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(Conv2D(inputChannels: 1, outputChannels: 1, kernelSize: 1, bias: false).namedParameters.map(\.name) == ["weight"])
    }

    @Test func convTranspose2DStoresInputChannelsFirst() {
        let conv = ConvTranspose2D(inputChannels: 1, outputChannels: 2, kernelSize: 2, stride: 2, bias: false)
        #expect(conv.weight.shape == [1, 2, 2, 2])  // PyTorch's [in, out, k, k]
        conv.weight.value = Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, -1, -2, -3, -4])
        let y = conv(Tensor(shape: [1, 1, 1, 2], scalars: [1, 10]), phase: .inference)
        #expect(y.shape == [1, 2, 2, 4])
        #expect(close(y, [1, 2, 10, 20, 3, 4, 30, 40, -1, -2, -10, -20, -3, -4, -30, -40]))
    }

    @Test func batchNormUsesBatchStatisticsInTrainingAndRunningOnesInInference() {
        let norm = BatchNorm2D(channels: 1)
        let x = Tensor(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 6])  // mean 3, biased var 3.5, unbiased 14/3
        let y = norm(x, phase: .training)
        let s = (Float(3.5) + 1e-5).squareRoot()
        #expect(close(y, [-2 / s, -1 / s, 0, 3 / s]))
        #expect(close(norm.runningMean.value, [0.3]))
        #expect(close(norm.runningVariance.value, [0.9 + 0.1 * 14 / 3]))
        #expect(norm.batchesTracked.value.scalar == 1)
        // Inference: (x − 0.3) / √(v + ε)
        let v = 0.9 + 0.1 * Float(14) / 3
        #expect(close(norm(Tensor(shape: [1, 1, 1, 1], scalars: [1.3]), phase: .inference), [1 / (v + 1e-5).squareRoot()]))
        #expect(norm.batchesTracked.value.scalar == 1)
        #expect(norm.namedParameters.map(\.name) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"])
        #expect(norm.parameterCount == 2)
    }

    @Test func instanceNormNormalizesEachChannelOfEachSample() {
        let norm = InstanceNorm2D(channels: 2)
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [1, 3, 10, 10])
        #expect(close(norm(x, phase: .training), [-1 / (1 + 1e-5).squareRoot(), 1 / (1 + 1e-5).squareRoot(), 0, 0], 1e-4))
        #expect(norm.namedParameters.isEmpty)
        #expect(InstanceNorm2D(channels: 2, affine: true).namedParameters.map(\.name) == ["weight", "bias"])
    }

    @Test func dropoutIsIdentityInInferenceAndScalesInTraining() {
        let dropout = Dropout(probability: 0.5, source: RandomSource(seed: 3))
        let x = Tensor(repeating: 1, shape: [1, 1, 40, 50])
        #expect(dropout(x, phase: .inference).scalars == x.scalars)
        let y = dropout(x, phase: .training).scalars
        #expect(y.allSatisfy { $0 == 0 || $0 == 2 })
        let kept = Float(y.filter { $0 == 2 }.count) / Float(y.count)
        #expect(abs(kept - 0.5) < 0.05)
    }

    @Test func paddingLayersMirrorReplicateOrZero() {
        let x = Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3])
        let reflect = ReflectionPad2D(padding: 1)(Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6]), phase: .inference)
        #expect(reflect.shape == [1, 1, 4, 5])
        #expect(Array(reflect.scalars[5..<10]) == [2, 1, 2, 3, 2])
        #expect(ReplicationPad2D(padding: 1)(x, phase: .inference).scalars[5..<10] == [1, 1, 2, 3, 3])
        #expect(ZeroPad2D(padding: 1)(x, phase: .inference).scalars[5..<10] == [0, 1, 2, 3, 0])
    }

    @Test func activationsMatchTheirFormulas() {
        let x = Tensor(shape: [1, 2, 1, 2], scalars: [-2, 1, -1, 3])
        #expect(ReLU()(x, phase: .inference).scalars == [0, 1, 0, 3])
        #expect(close(LeakyReLU(slope: 0.2)(x, phase: .inference), [-0.4, 1, -0.2, 3]))
        #expect(close(Tanh()(x, phase: .inference), [Float(-0.96402758), 0.76159416, -0.76159416, 0.99505475]))
        #expect(close(Sigmoid()(x, phase: .inference), [0.11920292, 0.73105858, 0.26894142, 0.95257413]))
        let prelu = PReLU(channels: 2)
        prelu.weight.value = Tensor(shape: [2], scalars: [0.1, 0.5])
        #expect(close(prelu(x, phase: .inference), [-0.2, 1, -0.5, 3]))
        #expect(prelu.namedParameters.map(\.name) == ["weight"])
    }

    @Test func pixelShuffleMovesChannelsToSpace() {
        // [1, 4, 1, 1] → [1, 1, 2, 2]: channel c goes to (c / 2, c % 2).
        let y = PixelShuffle(upscaleFactor: 2)(Tensor(shape: [1, 4, 1, 1], scalars: [1, 2, 3, 4]), phase: .inference)
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [1, 2, 3, 4])
    }

    @Test func maxPoolTakesWindowMaxima() {
        let x = Tensor(shape: [1, 1, 2, 4], scalars: [1, 5, 2, 0, 3, 4, 8, 1])
        #expect(MaxPool2D(kernelSize: 2, stride: 2)(x, phase: .inference).scalars == [5, 8])
    }

    @Test func linearAndFlatten() {
        let linear = Linear(inputFeatures: 3, outputFeatures: 2)
        linear.weight.value = Tensor(shape: [2, 3], scalars: [1, 0, -1, 2, 2, 2])
        linear.bias!.value = Tensor(shape: [2], scalars: [0, 1])
        let x = Flatten()(Tensor(shape: [1, 3, 1, 1], scalars: [1, 2, 3]), phase: .inference)
        #expect(x.shape == [1, 3])
        #expect(linear(x, phase: .inference).scalars == [-2, 13])
    }

    @Test func sequentialPrefixesChildrenWithTheirIndex() {
        let net = Sequential(ReflectionPad2D(padding: 1), Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3),
                             Sequential(BatchNorm2D(channels: 2)), ReLU())
        #expect(net.namedParameters.map(\.name) == [
            "1.weight", "1.bias", "2.0.weight", "2.0.bias", "2.0.running_mean", "2.0.running_var", "2.0.num_batches_tracked",
        ])
        #expect(net.parameterCount == 2 * 9 + 2 + 2 + 2)
        var visited = 0
        net.forEachLayer { _ in visited += 1 }
        #expect(visited == 6)
        let y = net(Tensor(zeros: [1, 1, 4, 4]), phase: .inference)
        #expect(y.shape == [1, 2, 4, 4])
    }
}
