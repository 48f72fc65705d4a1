import Layers
import Tensors

/// The SRGAN discriminator (Ledig et al. 2017, Fig. 4): eight 3×3 convs (widths ndf, ndf, 2ndf, 2ndf,
/// 4ndf, 4ndf, 8ndf, 8ndf; strides 1, 2, 1, 2, …; BN on all but the first; LeakyReLU 0.2), then
/// dense 16·ndf (1024 for ndf 64), LeakyReLU and dense 1.
///
/// Input `[N, inputChannels, S, S]` with S = `imageSize` (96 in the paper), output `[N, 1]` logits
/// (the paper's sigmoid is left to the loss). The first dense layer depends on S: 18.9 M of the
/// 23.6 M parameters at S = 96. Keys `features.<i>.*` and `classifier.{1,3}.*`.
public final class SRDiscriminator: Layer {
    public let features: Sequential
    public let classifier: Sequential
    public let imageSize: Int

    public init(inputChannels: Int = 3, baseFilters: Int = 64, imageSize: Int = 96, norm: NormKind = .batch) {
        precondition(imageSize > 0 && imageSize % 16 == 0, "SRDiscriminator: image size must be a multiple of 16, got \(imageSize)")
        self.imageSize = imageSize
        var layers: [any Layer] = [
            Conv2D(inputChannels: inputChannels, outputChannels: baseFilters, kernelSize: 3, padding: 1),
            LeakyReLU(slope: 0.2),
        ]
        var channels = baseFilters
        for index in 1..<8 {
            let width = baseFilters << (index / 2)
            layers += [
                Conv2D(inputChannels: channels, outputChannels: width, kernelSize: 3, stride: index % 2 == 1 ? 2 : 1,
                       padding: 1),
                norm.makeLayer(channels: width),
                LeakyReLU(slope: 0.2),
            ]
            channels = width
        }
        features = Sequential(layers)
        let side = imageSize / 16
        classifier = Sequential([
            Flatten(),
            Linear(inputFeatures: channels * side * side, outputFeatures: baseFilters * 16),
            LeakyReLU(slope: 0.2),
            Linear(inputFeatures: baseFilters * 16, outputFeatures: 1),
        ])
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        precondition(input.shape.rank == 4 && input.shape[2] == imageSize && input.shape[3] == imageSize,
                     "SRDiscriminator: built for \(imageSize)×\(imageSize) inputs, got \(input.shape)")
        return classifier(features(input, phase: phase), phase: phase)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        features.forEachParameter(prefix: prefix + "features.", body)
        classifier.forEachParameter(prefix: prefix + "classifier.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        features.forEachLayer(body)
        classifier.forEachLayer(body)
    }
}
