import Tensors

/// Batch normalization over `[N, C, H, W]` (or `[N, C]`), PyTorch's `nn.BatchNorm2d(affine=True,
/// track_running_stats=True)`.
///
/// `.training` normalizes with the batch's statistics and updates the running ones in place
/// (momentum 0.1, unbiased variance, as PyTorch); `.inference` uses the running statistics.
/// State-dict keys: `weight`, `bias`, `running_mean`, `running_var`, `num_batches_tracked`.
public final class BatchNorm2D: Layer, WeightInitializable {
    public let channels: Int
    public let momentum: Float
    public let epsilon: Float
    /// γ, starts at 1 (the reference re-draws it from N(1, 0.02)).
    public let weight: Parameter
    /// β, starts at 0.
    public let bias: Parameter
    public let runningMean: Parameter
    public let runningVariance: Parameter
    /// Training batches seen; kept for state-dict parity with PyTorch (a scalar).
    public let batchesTracked: Parameter

    public init(channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) {
        precondition(channels > 0, "BatchNorm2D: channels must be positive, got \(channels)")
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(Tensor(repeating: 1, shape: [channels]))
        bias = Parameter(Tensor(zeros: [channels]))
        runningMean = Parameter(Tensor(zeros: [channels]), trainable: false)
        runningVariance = Parameter(Tensor(repeating: 1, shape: [channels]), trainable: false)
        batchesTracked = Parameter(Tensor(zeros: []), trainable: false)
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        let training = phase == .training
        if training { batchesTracked.updateInPlace { $0[0] += 1 } }
        return input.batchNormalized(scale: weight.tracked, offset: bias.tracked, runningMean: runningMean,
                                     runningVariance: runningVariance, training: training, momentum: momentum,
                                     epsilon: epsilon)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight", weight)
        body(prefix + "bias", bias)
        body(prefix + "running_mean", runningMean)
        body(prefix + "running_var", runningVariance)
        body(prefix + "num_batches_tracked", batchesTracked)
    }

    /// γ ~ N(1, gain) and β = 0 for every scheme, as the reference's `init_weights` does.
    public func initializeWeights(_ scheme: WeightInitialization, using generator: inout SeededGenerator) {
        weight.value = Tensor.randomNormal(shape: weight.shape, mean: 1, standardDeviation: scheme.gain,
                                           using: &generator)
        bias.value = Tensor(zeros: bias.shape)
    }
}

/// Instance normalization over each sample and channel of `[N, C, H, W]`, PyTorch's
/// `nn.InstanceNorm2d` with `track_running_stats=False` (the reference's setting), so it behaves
/// the same in both phases. With `affine`, learnable `weight`/`bias` of shape `[C]`.
public final class InstanceNorm2D: Layer {
    public let channels: Int
    public let epsilon: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(channels: Int, affine: Bool = false, epsilon: Float = 1e-5) {
        precondition(channels > 0, "InstanceNorm2D: channels must be positive, got \(channels)")
        self.channels = channels
        self.epsilon = epsilon
        weight = affine ? Parameter(Tensor(repeating: 1, shape: [channels])) : nil
        bias = affine ? Parameter(Tensor(zeros: [channels])) : nil
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input.instanceNormalized(scale: weight?.tracked, offset: bias?.tracked, epsilon: epsilon)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        if let weight { body(prefix + "weight", weight) }
        if let bias { body(prefix + "bias", bias) }
    }
}
