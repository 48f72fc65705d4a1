import Foundation
import Layers

/// How images become a network's input and its output becomes images, stored with the weights so
/// inference needs no flags. Stored as JSON under the checkpoint metadata key `preprocessing`:
///
///     {"color":"rgb","input_range":"[-1,1]","output_range":"[-1,1]","direction":"AtoB",
///      "preprocess":"resize_and_crop","load_size":286,"crop_size":256}
public struct Preprocessing: Codable, Equatable, Sendable {
    /// The value range pixels are mapped to (inputs) or from (outputs).
    public enum ValueRange: String, Codable, Sendable {
        /// `ToTensor` then `Normalize(0.5, 0.5)`: the reference's convention.
        case minusOneToOne = "[-1,1]"
        /// `ToTensor` only: SRGAN's LR inputs.
        case zeroToOne = "[0,1]"
        /// ImageNet mean/std normalization of [0, 1] RGB (torchvision's VGG weights).
        case imagenet = "imagenet"
    }

    /// "rgb", "gray" or "lab" (colorization: L in, ab out).
    public var color: String
    public var inputRange: ValueRange
    public var outputRange: ValueRange
    /// "AtoB" or "BtoA" for paired data (the reference's `--direction`).
    public var direction: String?
    /// The reference's `--preprocess` at training time (`resize_and_crop`, `crop`, `scale_width`, `none`, …).
    public var preprocess: String?
    public var loadSize: Int?
    public var cropSize: Int?

    public init(color: String = "rgb", inputRange: ValueRange = .minusOneToOne, outputRange: ValueRange = .minusOneToOne,
                direction: String? = nil, preprocess: String? = nil, loadSize: Int? = nil, cropSize: Int? = nil) {
        self.color = color
        self.inputRange = inputRange
        self.outputRange = outputRange
        self.direction = direction
        self.preprocess = preprocess
        self.loadSize = loadSize
        self.cropSize = cropSize
    }

    enum CodingKeys: String, CodingKey {
        case color, direction, preprocess
        case inputRange = "input_range", outputRange = "output_range", loadSize = "load_size", cropSize = "crop_size"
    }

    /// The conventions of the recipe that uses `spec`: [−1, 1] in and out for pix2pix/CycleGAN
    /// (gray or Lab by channel count), [0, 1] LR in and [−1, 1] HR out for SRResNet (Ledig et al.),
    /// [0, 1] in and out for the BasicSR/Real-ESRGAN kinds,
    /// ImageNet normalization for VGG features.
    public static func defaults(for spec: NetworkSpec) -> Preprocessing {
        switch spec.kind {
        case .generator(.srresnet):
            return Preprocessing(inputRange: .zeroToOne, outputRange: .minusOneToOne)
        case .generator(let generator) where generator.isBasicSR:
            // BasicSR/Real-ESRGAN: RGB in [0, 1] in and out (outputs clamped to [0, 1]).
            return Preprocessing(inputRange: .zeroToOne, outputRange: .zeroToOne)
        case .features:
            return Preprocessing(inputRange: .imagenet, outputRange: .imagenet)
        case .generator:
            let color = spec.inputChannels == 1 && spec.outputChannels == 2 ? "lab" : (spec.inputChannels == 1 ? "gray" : "rgb")
            return Preprocessing(color: color)
        case .discriminator:
            return Preprocessing(color: spec.inputChannels == 1 ? "gray" : "rgb")
        }
    }

    /// The JSON stored in checkpoints (keys sorted).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Parses the JSON written by `json`; throws `.metadata` naming the bad key.
    public init(json text: String) throws {
        do { self = try JSONDecoder().decode(Preprocessing.self, from: Data(text.utf8)) } catch {
            var detail = "not valid"
            if case DecodingError.typeMismatch(_, let context) = error {
                detail = "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type"
            } else if case DecodingError.dataCorrupted(let context) = error, !context.codingPath.isEmpty {
                detail = "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has an unknown value"
            } else if case DecodingError.keyNotFound(let key, _) = error {
                detail = "needs \"\(key.stringValue)\""
            }
            throw CheckpointError(.metadata, "preprocessing metadata: \(detail)")
        }
    }
}
