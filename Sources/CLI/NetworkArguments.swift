import ArgumentParser
import Networks

extension GeneratorKind: ExpressibleByArgument {}
extension DiscriminatorKind: ExpressibleByArgument {}
extension FeatureExtractorKind: ExpressibleByArgument {}
extension NormKind: ExpressibleByArgument {}

/// The architecture flags of `models` and `convert`, in the reference's vocabulary. Only the flags
/// given on the command line change a configuration.
struct ArchitectureOptions: ParsableArguments {
    @Option(name: .customLong("netG"), help: "Generator: \(GeneratorKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var generator: GeneratorKind?

    @Option(name: .customLong("netD"), help: "Discriminator: \(DiscriminatorKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var discriminator: DiscriminatorKind?

    @Option(name: .customLong("netF"), help: "Feature extractor: vgg19 (torchvision's VGG19 up to relu5_4).")
    var features: FeatureExtractorKind?

    @Option(help: "Normalization: batch, instance or none (reference --norm).")
    var norm: NormKind?

    @Option(name: .customLong("ngf"), help: "Generator base width (reference --ngf; default 64).")
    var generatorFilters: Int?

    @Option(name: .customLong("ndf"), help: "Discriminator base width (reference --ndf; default 64).")
    var discriminatorFilters: Int?

    @Option(name: .customLong("width"), help: "VGG first-stage width (default 64).")
    var featureWidth: Int?

    @Option(name: .customLong("input-nc"), help: "Input channels (reference --input_nc; pix2pix's D sees input_nc + output_nc).")
    var inputChannels: Int?

    @Option(name: .customLong("output-nc"), help: "Generator output channels (reference --output_nc).")
    var outputChannels: Int?

    @Flag(inversion: .prefixedNo, help: "Dropout 0.5 in ResNet blocks / inner U-Net levels (reference --no_dropout turns it off).")
    var dropout: Bool?

    @Option(name: .customLong("n-layers-d"), help: "Stride-2 layers of an n_layers discriminator (reference --n_layers_D; default 3).")
    var layers: Int?

    @Option(help: "Residual blocks (resnet kinds: 6 or 9 by name; srresnet: 16).")
    var blocks: Int?

    @Option(help: "U-Net downsamplings (7 for unet_128, 8 for unet_256).")
    var downsamplings: Int?

    @Option(help: "Upscaling factor of super-resolution generators (srresnet: 2, 4 or 8; rrdbnet: 1, 2 or 4; msrresnet: 2, 3 or 4; default 4).")
    var scale: Int?

    @Option(name: .customLong("num-grow-ch"), help: "rrdbnet: channels each dense conv adds (BasicSR num_grow_ch; default 32).")
    var growthChannels: Int?

    @Option(name: .customLong("num-conv"), help: "srvggnet_compact: body convs (BasicSR num_conv; 16, or 32 for realesr-general-x4v3).")
    var convs: Int?

    @Option(name: .customLong("image-size"), help: "SRGAN discriminator input size, a multiple of 16 (default 96).")
    var imageSize: Int?

    /// The kind named by --netG, --netD or --netF.
    var kind: NetworkKind? {
        if let generator { return .generator(generator) }
        if let discriminator { return .discriminator(discriminator) }
        if let features { return .features(features) }
        return nil
    }

    func validate() throws {
        let named = [generator != nil, discriminator != nil, features != nil].filter { $0 }.count
        if named > 1 { throw ValidationError("give only one of --netG, --netD and --netF") }
        for (flag, value) in [("--ngf", generatorFilters), ("--ndf", discriminatorFilters), ("--width", featureWidth),
                              ("--input-nc", inputChannels), ("--output-nc", outputChannels), ("--scale", scale),
                              ("--image-size", imageSize)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be at least 1, got \(value)") }
        }
        if let blocks, blocks < 0 { throw ValidationError("--blocks must not be negative, got \(blocks)") }
        switch kind {
        case .generator:
            if discriminatorFilters != nil { throw ValidationError("--ndf applies to discriminators; use --ngf with --netG") }
            if layers != nil || imageSize != nil { throw ValidationError("--n-layers-d and --image-size apply to discriminators") }
        case .discriminator:
            if generatorFilters != nil { throw ValidationError("--ngf applies to generators; use --ndf with --netD") }
            if outputChannels != nil { throw ValidationError("--output-nc applies to generators (a discriminator outputs 1 channel)") }
            if dropout != nil || downsamplings != nil || scale != nil || blocks != nil {
                throw ValidationError("--dropout, --downsamplings, --scale and --blocks apply to generators")
            }
        case .features:
            if norm != nil || generatorFilters != nil || discriminatorFilters != nil || outputChannels != nil {
                throw ValidationError("vgg19 takes only --width and --input-nc")
            }
        case nil:
            break
        }
    }

    /// Overrides the options given on the command line.
    func apply(to spec: inout NetworkSpec) {
        if let inputChannels { spec.inputChannels = inputChannels }
        if let norm { spec.norm = norm }
        if let dropout { spec.dropout = dropout }
        if let layers { spec.layers = layers }
        if let blocks { spec.blocks = blocks }
        if let downsamplings { spec.downsamplings = downsamplings }
        if let scale { spec.scale = scale }
        if let growthChannels { spec.growthChannels = growthChannels }
        if let convs { spec.convs = convs }
        if let imageSize { spec.imageSize = imageSize }
        switch spec.kind {
        case .generator:
            if let outputChannels { spec.outputChannels = outputChannels }
            if let generatorFilters { spec.baseFilters = generatorFilters }
        case .discriminator:
            if let discriminatorFilters { spec.baseFilters = discriminatorFilters }
        case .features:
            if let featureWidth {
                spec.baseFilters = featureWidth
                spec.outputChannels = featureWidth * 8
            }
        }
    }
}
