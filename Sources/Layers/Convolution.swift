import Tensors

/// 2-D convolution, PyTorch's `nn.Conv2d` (square kernel, zero padding, no dilation or groups).
///
/// Input `[N, inputChannels, H, W]`, output `[N, outputChannels, H', W']` with
/// `H' = (H + 2·padding − kernelSize) / stride + 1`. Parameters `weight [O, C, k, k]` and `bias [O]`.
/// Weights start at zero: initialize them with `initializeWeights(_:_:using:)` or load a checkpoint.
public final class Conv2D: WeightAndBiasLayer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D: bad geometry \(inputChannels)→\(outputChannels) k\(kernelSize) s\(stride) p\(padding)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        weight = Parameter(Tensor(zeros: [outputChannels, inputChannels, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input.conv2d(weight: weight.tracked, bias: bias?.tracked, stride: stride, padding: padding)
    }
}

/// 2-D transposed convolution, PyTorch's `nn.ConvTranspose2d`.
///
/// Input `[N, inputChannels, H, W]`, output `[N, outputChannels, H', W']` with
/// `H' = (H − 1)·stride − 2·padding + kernelSize + outputPadding`. The weight is stored as PyTorch
/// stores it, `[inputChannels, outputChannels, k, k]`, so reference `.pth` weights load unchanged.
public final class ConvTranspose2D: WeightAndBiasLayer {
    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let outputPadding: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0
                     && outputPadding >= 0 && outputPadding < stride,
                     "ConvTranspose2D: bad geometry \(inputChannels)→\(outputChannels) k\(kernelSize) s\(stride) p\(padding) op\(outputPadding)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        weight = Parameter(Tensor(zeros: [inputChannels, outputChannels, kernelSize, kernelSize]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputChannels])) : nil
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input.convTransposed2d(weight: weight.tracked, bias: bias?.tracked, stride: stride, padding: padding,
                               outputPadding: outputPadding)
    }
}

/// Fully connected layer, PyTorch's `nn.Linear`: input `[N, inputFeatures]`, output
/// `[N, outputFeatures]`, `weight [out, in]`, `bias [out]`.
public final class Linear: WeightAndBiasLayer {
    public let inputFeatures: Int
    public let outputFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear: bad sizes \(inputFeatures)→\(outputFeatures)")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        weight = Parameter(Tensor(zeros: [outputFeatures, inputFeatures]))
        self.bias = bias ? Parameter(Tensor(zeros: [outputFeatures])) : nil
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        input.linear(weight: weight.tracked, bias: bias?.tracked)
    }
}

/// A layer whose parameters are a `weight` and an optional `bias` (conv, transposed conv, linear):
/// the reference's state-dict names and its `init_weights` rule (weights from the scheme, bias 0).
public protocol WeightAndBiasLayer: WeightInitializable {
    var weight: Parameter { get }
    var bias: Parameter? { get }
}

extension WeightAndBiasLayer {
    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        body(prefix + "weight", weight)
        if let bias { body(prefix + "bias", bias) }
    }

    public func initializeWeights(_ scheme: WeightInitialization, using generator: inout SeededGenerator) {
        weight.value = scheme.sample(shape: weight.shape, using: &generator)
        if let bias { bias.value = Tensor(zeros: bias.shape) }
    }
}
