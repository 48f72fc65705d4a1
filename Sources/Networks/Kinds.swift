import Layers

/// The normalization after each convolution, the reference's `--norm`.
public enum NormKind: String, CaseIterable, Codable, Sendable {
    case batch, instance, none

    /// The reference's bias rule: a conv followed by a norm has a bias only when that norm is
    /// InstanceNorm (`use_bias = norm_layer == nn.InstanceNorm2d`), so with `none` it has no bias either.
    public var convolutionsHaveBias: Bool { self == .instance }

    /// The layer for `channels` channels; `none` is an `Identity`, so state-dict indices stay put.
    public func makeLayer(channels: Int) -> any Layer {
        switch self {
        case .batch: return BatchNorm2D(channels: channels)
        case .instance: return InstanceNorm2D(channels: channels)
        case .none: return Identity()
        }
    }
}

/// Generator architectures, by the reference's `--netG` names (plus `srresnet`, Ledig et al. 2017, and
/// the BasicSR/Real-ESRGAN super-resolution zoo: `rrdbnet`, `srvggnet_compact`, `msrresnet`).
public enum GeneratorKind: String, CaseIterable, Codable, Sendable {
    case unet128 = "unet_128", unet256 = "unet_256", resnet6 = "resnet_6blocks", resnet9 = "resnet_9blocks"
    case srresnet = "srresnet"
    /// ESRGAN/Real-ESRGAN's RRDBNet (BasicSR `RRDBNet`).
    case rrdbnet = "rrdbnet"
    /// Real-ESRGAN's compact network (BasicSR `SRVGGNetCompact`).
    case srvggnetCompact = "srvggnet_compact"
    /// BasicSR's SRResNet without batch norm (`MSRResNet`).
    case msrresnet = "msrresnet"

    /// Super-resolution generators: their output is `scale` times their input, so they cannot be the
    /// generator of a pix2pix or CycleGAN model.
    public var isSuperResolution: Bool {
        switch self {
        case .srresnet, .rrdbnet, .srvggnetCompact, .msrresnet: return true
        case .unet128, .unet256, .resnet6, .resnet9: return false
        }
    }

    /// The BasicSR/Real-ESRGAN zoo kinds: no norm, no dropout, RGB in [0, 1] in and out.
    public var isBasicSR: Bool { self == .rrdbnet || self == .srvggnetCompact || self == .msrresnet }
}

/// Discriminator architectures, by the reference's `--netD` names (plus `srgan`, Ledig et al. 2017).
public enum DiscriminatorKind: String, CaseIterable, Codable, Sendable {
    case basic, nLayers = "n_layers", pixel, srgan
}

/// Fixed feature extractors for perceptual losses.
public enum FeatureExtractorKind: String, CaseIterable, Codable, Sendable {
    /// torchvision's VGG19 `features` up to relu5_4 (`features[:36]`), SRGAN's VGG54 content loss.
    case vgg19
}

/// Any network this tool builds, with its role.
public enum NetworkKind: Hashable, Sendable, CustomStringConvertible {
    case generator(GeneratorKind)
    case discriminator(DiscriminatorKind)
    case features(FeatureExtractorKind)

    /// Every kind, generators first.
    public static let all: [NetworkKind] = GeneratorKind.allCases.map { .generator($0) }
        + DiscriminatorKind.allCases.map { .discriminator($0) } + FeatureExtractorKind.allCases.map { .features($0) }

    /// The reference's name ("resnet_9blocks", "basic", "vgg19").
    public var name: String {
        switch self {
        case .generator(let kind): return kind.rawValue
        case .discriminator(let kind): return kind.rawValue
        case .features(let kind): return kind.rawValue
        }
    }

    /// "generator", "discriminator" or "features".
    public var role: String {
        switch self {
        case .generator: return "generator"
        case .discriminator: return "discriminator"
        case .features: return "features"
        }
    }

    /// The kind called `name` in `role`, or nil.
    public init?(role: String, name: String) {
        switch role {
        case "generator": guard let kind = GeneratorKind(rawValue: name) else { return nil }; self = .generator(kind)
        case "discriminator": guard let kind = DiscriminatorKind(rawValue: name) else { return nil }; self = .discriminator(kind)
        case "features": guard let kind = FeatureExtractorKind(rawValue: name) else { return nil }; self = .features(kind)
        default: return nil
        }
    }

    public var description: String { "\(name) \(role)" }
}
