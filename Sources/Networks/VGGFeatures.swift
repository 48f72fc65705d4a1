import Layers
import Tensors

/// VGG19's convolutional part up to relu5_4 (Simonyan & Zisserman 2015), torchvision's
/// `vgg19().features[:36]`: sixteen 3×3 convs with ReLU in five stages of widths w, 2w, 4w, 8w, 8w
/// (w = 64) and a 2×2 max pool between stages. SRGAN's VGG54 content loss compares these maps.
///
/// Input `[N, 3, H, W]` (ImageNet-normalized RGB for torchvision's weights), output
/// `[N, 8w, H/16, W/16]`. Keys are torchvision's: `features.0.weight` … `features.34.bias`.
public final class VGG19Features: Layer {
    public let features: Sequential

    /// Module indices after which torchvision's VGG19 `features` has each ReLU, by name.
    public static let reluIndices: [String: Int] = [
        "relu1_1": 1, "relu1_2": 3, "relu2_1": 6, "relu2_2": 8, "relu3_1": 11, "relu3_2": 13, "relu3_3": 15,
        "relu3_4": 17, "relu4_1": 20, "relu4_2": 22, "relu4_3": 24, "relu4_4": 26, "relu5_1": 29, "relu5_2": 31,
        "relu5_3": 33, "relu5_4": 35,
    ]

    /// - Parameter baseFilters: the first stage's width (64 for the real VGG19).
    public init(inputChannels: Int = 3, baseFilters: Int = 64) {
        var layers: [any Layer] = []
        var channels = inputChannels
        for (stage, convs) in [2, 2, 4, 4, 4].enumerated() {
            if stage > 0 { layers.append(MaxPool2D(kernelSize: 2, stride: 2)) }
            let width = baseFilters << min(stage, 3)
            for _ in 0..<convs {
                layers += [Conv2D(inputChannels: channels, outputChannels: width, kernelSize: 3, padding: 1), ReLU()]
                channels = width
            }
        }
        features = Sequential(layers)  // 36 modules: index 35 is relu5_4
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor { features(input, phase: phase) }

    /// The activations after the modules at `indices` (see `reluIndices`), running only as far as the
    /// deepest one: perceptual losses on several layers share one pass.
    public func activations(_ input: Tensor, at indices: Set<Int>, phase: Phase = .inference) -> [Int: Tensor] {
        guard let last = indices.max() else { return [:] }
        precondition(last < features.count, "VGG19Features: index \(last) is past relu5_4 (35)")
        var result: [Int: Tensor] = [:]
        var x = input
        for index in 0...last {
            x = features[index](x, phase: phase)
            if indices.contains(index) { result[index] = x }
        }
        return result
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {
        features.forEachParameter(prefix: prefix + "features.", body)
    }

    public func forEachLayer(_ body: (any Layer) -> Void) {
        body(self)
        features.forEachLayer(body)
    }
}
