import Foundation
import Layers
import Tensors

/// Everything needed to build one network: its kind and the options that change its shape or
/// behaviour. It round-trips through checkpoint metadata as JSON, in the reference's vocabulary:
///
///     {"role":"generator","kind":"resnet_9blocks","input_nc":3,"output_nc":3,"ngf":64,
///      "norm":"instance","dropout":false,"blocks":9}
///
/// so a checkpoint rebuilds its network with no architecture flags.
public struct NetworkSpec: Equatable, Sendable, CustomStringConvertible {
    public var kind: NetworkKind
    /// `input_nc` (for pix2pix's D: input_nc + output_nc).
    public var inputChannels: Int
    /// `output_nc`; 1 for discriminators (one logit per patch or image), `8·width` for VGG features.
    public var outputChannels: Int
    /// `ngf` for generators, `ndf` for discriminators, the first stage's width for VGG.
    public var baseFilters: Int
    public var norm: NormKind
    /// Dropout 0.5 in ResNet blocks / inner U-Net levels (the reference's `not --no_dropout`).
    public var dropout: Bool
    /// Residual blocks: ResNet (6 or 9 by kind), SRResNet (16), RRDBNet's RRDBs (`num_block`, 23),
    /// MSRResNet (16).
    public var blocks: Int
    /// U-Net downsamplings (7 for `unet_128`, 8 for `unet_256`).
    public var downsamplings: Int
    /// `n_layers_D` for PatchGAN kinds (3 for `basic`).
    public var layers: Int
    /// The output's size over the input's: the upscaling factor of super-resolution generators
    /// (`srresnet`, `rrdbnet`, `srvggnet_compact`, `msrresnet`), 1 for every other network.
    public var scale: Int
    /// SRGAN discriminator input size (its dense layer depends on it).
    public var imageSize: Int
    /// RRDBNet's `num_grow_ch` (32): channels each dense conv adds.
    public var growthChannels: Int = 0
    /// SRVGGNetCompact's `num_conv` (16 or 32): body convs after the first.
    public var convs: Int = 0

    // MARK: - Defaults per kind

    /// A generator with the reference defaults of the recipe that uses it: ResNets as CycleGAN
    /// (instance norm, no dropout), U-Nets as pix2pix (batch norm, dropout), SRResNet as Ledig et al.
    public static func generator(_ kind: GeneratorKind, inputChannels: Int = 3, outputChannels: Int = 3,
                                 baseFilters: Int = 64, dropout: Bool? = nil) -> NetworkSpec {
        makeGenerator(kind, inputChannels, outputChannels, baseFilters, nil, dropout)
    }

    /// A generator with an explicit norm (a separate overload so that `norm: .none` means
    /// `NormKind.none`, never "no value").
    public static func generator(_ kind: GeneratorKind, inputChannels: Int = 3, outputChannels: Int = 3,
                                 baseFilters: Int = 64, norm: NormKind, dropout: Bool? = nil) -> NetworkSpec {
        makeGenerator(kind, inputChannels, outputChannels, baseFilters, norm, dropout)
    }

    private static func makeGenerator(_ kind: GeneratorKind, _ inputChannels: Int, _ outputChannels: Int,
                                      _ baseFilters: Int, _ norm: NormKind?, _ dropout: Bool?) -> NetworkSpec {
        var spec = NetworkSpec(kind: .generator(kind), inputChannels: inputChannels, outputChannels: outputChannels,
                               baseFilters: baseFilters, norm: .instance, dropout: false, blocks: 0, downsamplings: 0,
                               layers: 0, scale: 1, imageSize: 0)
        switch kind {
        case .resnet6, .resnet9:
            spec.blocks = kind == .resnet6 ? 6 : 9
        case .unet128, .unet256:
            spec.norm = .batch
            spec.dropout = true
            spec.downsamplings = kind == .unet128 ? 7 : 8
        case .srresnet:
            spec.norm = .batch
            spec.blocks = 16
            spec.scale = 4
        case .rrdbnet:
            (spec.norm, spec.blocks, spec.growthChannels, spec.scale) = (.none, 23, 32, 4)
        case .srvggnetCompact:
            (spec.norm, spec.convs, spec.scale) = (.none, 16, 4)  // BasicSR's default (realesr-animevideov3)
        case .msrresnet:
            (spec.norm, spec.blocks, spec.scale) = (.none, 16, 4)
        }
        if let norm { spec.norm = norm }
        if let dropout { spec.dropout = dropout }
        return spec
    }

    /// A discriminator with the reference defaults (`--norm instance`, 3 channels; SRGAN's: batch, 96²).
    public static func discriminator(_ kind: DiscriminatorKind, inputChannels: Int = 3, baseFilters: Int = 64,
                                     layers: Int = 3, imageSize: Int = 96) -> NetworkSpec {
        makeDiscriminator(kind, inputChannels, baseFilters, kind == .srgan ? .batch : .instance, layers, imageSize)
    }

    /// A discriminator with an explicit norm.
    public static func discriminator(_ kind: DiscriminatorKind, inputChannels: Int = 3, baseFilters: Int = 64,
                                     norm: NormKind, layers: Int = 3, imageSize: Int = 96) -> NetworkSpec {
        makeDiscriminator(kind, inputChannels, baseFilters, norm, layers, imageSize)
    }

    private static func makeDiscriminator(_ kind: DiscriminatorKind, _ inputChannels: Int, _ baseFilters: Int,
                                          _ norm: NormKind, _ layers: Int, _ imageSize: Int) -> NetworkSpec {
        NetworkSpec(kind: .discriminator(kind), inputChannels: inputChannels, outputChannels: 1, baseFilters: baseFilters,
                    norm: norm, dropout: false, blocks: 0, downsamplings: 0,
                    layers: kind == .basic ? 3 : (kind == .nLayers ? layers : 0), scale: 1,
                    imageSize: kind == .srgan ? imageSize : 0)
    }

    /// VGG19 features up to relu5_4.
    public static func features(_ kind: FeatureExtractorKind = .vgg19, inputChannels: Int = 3, baseFilters: Int = 64) -> NetworkSpec {
        NetworkSpec(kind: .features(kind), inputChannels: inputChannels, outputChannels: baseFilters * 8,
                    baseFilters: baseFilters, norm: .none, dropout: false, blocks: 0, downsamplings: 0, layers: 0, scale: 1,
                    imageSize: 0)
    }

    /// The default configuration of `kind`.
    public static func defaults(for kind: NetworkKind) -> NetworkSpec {
        switch kind {
        case .generator(let kind): return .generator(kind)
        case .discriminator(let kind): return .discriminator(kind)
        case .features(let kind): return .features(kind)
        }
    }

    // MARK: - Validation and building

    /// What is wrong with this configuration, as sentences; empty when it can be built.
    public var problems: [String] {
        var result: [String] = []
        if inputChannels < 1 { result.append("input_nc must be at least 1, got \(inputChannels)") }
        if outputChannels < 1 { result.append("output_nc must be at least 1, got \(outputChannels)") }
        if baseFilters < 1 { result.append("ngf/ndf must be at least 1, got \(baseFilters)") }
        switch kind {
        case .generator(.resnet6), .generator(.resnet9):
            if blocks < 0 { result.append("blocks must be non-negative, got \(blocks)") }
        case .generator(.unet128), .generator(.unet256):
            if downsamplings < 5 { result.append("a U-Net needs at least 5 downsamplings, got \(downsamplings)") }
            if downsamplings > 12 { result.append("\(downsamplings) downsamplings need inputs of \(1 << downsamplings)² pixels") }
        case .generator(.srresnet):
            if scale < 2 || scale > 16 || scale & (scale - 1) != 0 { result.append("SRResNet scale must be 2, 4, 8 or 16, got \(scale)") }
            if norm == .instance { result.append("SRResNet norm must be batch or none") }
            if blocks < 0 { result.append("blocks must be non-negative, got \(blocks)") }
        case .generator(.rrdbnet):
            if ![1, 2, 4].contains(scale) { result.append("RRDBNet scale must be 1, 2 or 4, got \(scale)") }
            if blocks < 0 { result.append("num_block must be non-negative, got \(blocks)") }
            if growthChannels < 1 { result.append("num_grow_ch must be at least 1, got \(growthChannels)") }
            if norm != .none || dropout { result.append("RRDBNet has no norm and no dropout") }
        case .generator(.srvggnetCompact):
            if scale < 1 || scale > 8 { result.append("SRVGGNetCompact scale must be between 1 and 8, got \(scale)") }
            if convs < 0 { result.append("num_conv must be non-negative, got \(convs)") }
            if outputChannels != inputChannels { result.append("SRVGGNetCompact adds its upsampled input: output_nc must equal input_nc") }
            if norm != .none || dropout { result.append("SRVGGNetCompact has no norm and no dropout") }
        case .generator(.msrresnet):
            if ![2, 3, 4].contains(scale) { result.append("MSRResNet scale must be 2, 3 or 4, got \(scale)") }
            if blocks < 0 { result.append("blocks must be non-negative, got \(blocks)") }
            if outputChannels != inputChannels { result.append("MSRResNet adds its upsampled input: output_nc must equal input_nc") }
            if norm != .none || dropout { result.append("MSRResNet has no norm and no dropout") }
        case .discriminator(.basic), .discriminator(.nLayers):
            if layers < 0 || layers > 10 { result.append("n_layers_D must be between 0 and 10, got \(layers)") }
        case .discriminator(.pixel):
            break
        case .discriminator(.srgan):
            if imageSize < 16 || imageSize % 16 != 0 { result.append("SRGAN discriminator image size must be a multiple of 16, got \(imageSize)") }
            if norm == .instance { result.append("SRGAN discriminator norm must be batch or none") }
        case .features:
            break
        }
        return result
    }

    /// Builds the network with all weights at their constructor values (zeros for convs): call
    /// `initializeWeights(_:_:using:)` to train it, or load a checkpoint into it.
    /// - Parameter dropoutSource: where dropout layers draw their masks (training checkpoints its state).
    /// - Precondition: `problems` is empty.
    public func makeNetwork(dropoutSource: RandomSource = .shared) -> any Layer {
        precondition(problems.isEmpty, "NetworkSpec: \(problems.joined(separator: "; "))")
        switch kind {
        case .generator(.resnet6), .generator(.resnet9):
            return ResNetGenerator(inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                                   norm: norm, dropout: dropout, blocks: blocks, dropoutSource: dropoutSource)
        case .generator(.unet128), .generator(.unet256):
            return UNetGenerator(inputChannels: inputChannels, outputChannels: outputChannels, downsamplings: downsamplings,
                                 baseFilters: baseFilters, norm: norm, dropout: dropout, dropoutSource: dropoutSource)
        case .generator(.srresnet):
            return SRResNet(inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                            blocks: blocks, scale: scale, norm: norm)
        case .generator(.rrdbnet):
            return RRDBNet(inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                           blocks: blocks, growthChannels: growthChannels, scale: scale)
        case .generator(.srvggnetCompact):
            return SRVGGNetCompact(inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                                   convs: convs, scale: scale)
        case .generator(.msrresnet):
            return MSRResNet(inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                             blocks: blocks, scale: scale)
        case .discriminator(.basic), .discriminator(.nLayers):
            return PatchDiscriminator(inputChannels: inputChannels, baseFilters: baseFilters, layers: layers, norm: norm)
        case .discriminator(.pixel):
            return PixelDiscriminator(inputChannels: inputChannels, baseFilters: baseFilters, norm: norm)
        case .discriminator(.srgan):
            return SRDiscriminator(inputChannels: inputChannels, baseFilters: baseFilters, imageSize: imageSize, norm: norm)
        case .features(.vgg19):
            return VGG19Features(inputChannels: inputChannels, baseFilters: baseFilters)
        }
    }

    /// Trainable parameters of the network this spec builds (PyTorch's count).
    public var parameterCount: Int { makeNetwork().parameterCount }

    /// Input height and width must be multiples of this: 4 for ResNets (two stride-2 levels),
    /// 2^downsamplings for U-Nets, 16 for SRGAN's D, 4 / scale for RRDBNet (its pixel unshuffle),
    /// 1 otherwise.
    public var inputSizeMultiple: Int {
        switch kind {
        case .generator(.resnet6), .generator(.resnet9): return 4
        case .generator(.rrdbnet): return 4 / max(1, scale)
        case .generator(.unet128), .generator(.unet256): return 1 << downsamplings
        case .discriminator(.srgan): return imageSize
        default: return 1
        }
    }

    // MARK: - Description

    /// The options that matter for this kind, in the reference's words.
    public var description: String {
        var parts = ["input_nc \(inputChannels)"]
        switch kind {
        case .generator(let generator):
            parts.append("output_nc \(outputChannels)")
            parts.append((generator.isBasicSR ? "num_feat " : "ngf ") + "\(baseFilters)")
            if !generator.isBasicSR { parts.append("norm \(norm.rawValue)") }
            switch generator {
            case .resnet6, .resnet9:
                parts.append(dropout ? "dropout" : "no dropout")
                if blocks != (generator == .resnet6 ? 6 : 9) { parts.append("\(blocks) blocks") }
            case .unet128, .unet256:
                parts.append(dropout ? "dropout" : "no dropout")
                if downsamplings != (generator == .unet128 ? 7 : 8) { parts.append("\(downsamplings) downsamplings") }
            case .srresnet, .msrresnet:
                parts.append("\(blocks) blocks")
                parts.append("×\(scale)")
            case .rrdbnet:
                parts.append("\(blocks) blocks")
                parts.append("growth \(growthChannels)")
                parts.append("×\(scale)")
            case .srvggnetCompact:
                parts.append("\(convs) convs")
                parts.append("×\(scale)")
            }
        case .discriminator(let discriminator):
            parts.append("ndf \(baseFilters)")
            parts.append("norm \(norm.rawValue)")
            if discriminator == .nLayers { parts.append("n_layers_D \(layers)") }
            if discriminator == .srgan { parts.append("\(imageSize)×\(imageSize) input") }
        case .features:
            parts.append("width \(baseFilters)")
        }
        return "\(kind.name) (\(parts.joined(separator: ", ")))"
    }

    // MARK: - JSON

    /// The JSON stored under the checkpoint metadata key `architecture` (keys sorted, only those
    /// that apply to the kind).
    public var json: String {
        var object: [String: Any] = ["role": kind.role, "kind": kind.name, "input_nc": inputChannels]
        switch kind {
        case .generator(let generator):
            object["output_nc"] = outputChannels
            object["ngf"] = baseFilters
            if !generator.isBasicSR {
                object["norm"] = norm.rawValue
                object["dropout"] = dropout
            }
            switch generator {
            case .resnet6, .resnet9: object["blocks"] = blocks
            case .unet128, .unet256: object["downsamplings"] = downsamplings
            case .srresnet, .msrresnet:
                object["blocks"] = blocks
                object["scale"] = scale
            case .rrdbnet:
                object["blocks"] = blocks
                object["num_grow_ch"] = growthChannels
                object["scale"] = scale
            case .srvggnetCompact:
                object["num_conv"] = convs
                object["scale"] = scale
            }
        case .discriminator(let discriminator):
            object["ndf"] = baseFilters
            object["norm"] = norm.rawValue
            if discriminator == .basic || discriminator == .nLayers { object["n_layers"] = layers }
            if discriminator == .srgan { object["image_size"] = imageSize }
        case .features:
            object["width"] = baseFilters
        }
        // Only Ints, Bools and Strings: serialization cannot fail.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension NetworkSpec {
    /// The JSON fields as stored; every one optional so that defaults fill the gaps.
    private struct Stored: Decodable {
        var role: String
        var kind: String
        var input_nc: Int?
        var output_nc: Int?
        var ngf: Int?
        var ndf: Int?
        var width: Int?
        var norm: NormKind?
        var dropout: Bool?
        var blocks: Int?
        var downsamplings: Int?
        var n_layers: Int?
        var scale: Int?
        var image_size: Int?
        var num_grow_ch: Int?
        var num_conv: Int?
    }

    /// Parses the JSON written by `json`. Missing optional keys take the kind's defaults; unknown
    /// kinds, wrong types and impossible values throw `.metadata` errors naming the key.
    public init(json text: String) throws {
        func fail(_ message: String) -> CheckpointError {
            CheckpointError(.metadata, "architecture metadata: \(message)")
        }
        let stored: Stored
        do { stored = try JSONDecoder().decode(Stored.self, from: Data(text.utf8)) } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, _): throw fail("needs \"\(key.stringValue)\"")
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let key = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw fail(key.isEmpty ? "not a JSON object" : "\"\(key)\" has the wrong type or value")
            @unknown default: throw fail("unreadable (\(error))")
            }
        }
        guard let kind = NetworkKind(role: stored.role, name: stored.kind) else {
            throw fail("unknown \(stored.role) kind '\(stored.kind)' (known: \(NetworkKind.all.map(\.name).joined(separator: ", ")))")
        }
        var spec = NetworkSpec.defaults(for: kind)
        if let value = stored.input_nc { spec.inputChannels = value }
        if let value = stored.norm { spec.norm = value }
        switch kind {
        case .generator:
            if let value = stored.output_nc { spec.outputChannels = value }
            if let value = stored.ngf { spec.baseFilters = value }
            if let value = stored.dropout { spec.dropout = value }
            if let value = stored.blocks { spec.blocks = value }
            if let value = stored.downsamplings { spec.downsamplings = value }
            if let value = stored.scale { spec.scale = value }
            if let value = stored.num_grow_ch { spec.growthChannels = value }
            if let value = stored.num_conv { spec.convs = value }
        case .discriminator:
            if let value = stored.ndf { spec.baseFilters = value }
            if let value = stored.n_layers { spec.layers = value }
            if let value = stored.image_size { spec.imageSize = value }
        case .features:
            if let value = stored.width { spec.baseFilters = value }
            spec.outputChannels = spec.baseFilters * 8
        }
        let problems = spec.problems
        guard problems.isEmpty else { throw fail(problems.joined(separator: "; ")) }
        self = spec
    }
}

/// A generator of the reference's kind and options (`define_G` without the weight init; call
/// `initializeWeights(_:_:using:)` before training).
public func makeGenerator(_ kind: GeneratorKind, inputChannels: Int, outputChannels: Int, baseFilters: Int = 64,
                          norm: NormKind, dropout: Bool, dropoutSource: RandomSource = .shared) -> any Layer {
    NetworkSpec.generator(kind, inputChannels: inputChannels, outputChannels: outputChannels, baseFilters: baseFilters,
                          norm: norm, dropout: dropout).makeNetwork(dropoutSource: dropoutSource)
}

/// A discriminator of the reference's kind and options (`define_D` without the weight init).
/// - Parameter layers: `n_layers_D`, used by `n_layers` only (`basic` is 3).
public func makeDiscriminator(_ kind: DiscriminatorKind, inputChannels: Int, baseFilters: Int = 64, norm: NormKind,
                              layers: Int = 3) -> any Layer {
    NetworkSpec.discriminator(kind, inputChannels: inputChannels, baseFilters: baseFilters, norm: norm, layers: layers)
        .makeNetwork()
}
