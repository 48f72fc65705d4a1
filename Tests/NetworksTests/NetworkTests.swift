import Layers
import Networks
import Tensors
import TestSupport
import Testing

/// Output shapes per kind, the reference's key layouts, and the spec's JSON and inference round trips.
@Suite struct NetworkTests {
    static let smallSpecs: [NetworkSpec] = [
        .generator(.resnet9, baseFilters: 2),
        .generator(.resnet6, inputChannels: 1, outputChannels: 2, baseFilters: 2, norm: .batch, dropout: true),
        .generator(.unet128, baseFilters: 1, norm: .none),
        .generator(.unet256, inputChannels: 1, outputChannels: 2, baseFilters: 1, norm: .instance, dropout: false),
        .generator(.srresnet, baseFilters: 4),
        .discriminator(.basic, inputChannels: 6, baseFilters: 2, norm: .batch),
        .discriminator(.nLayers, baseFilters: 2, norm: .none, layers: 5),
        .discriminator(.pixel, baseFilters: 2),
        .discriminator(.srgan, baseFilters: 2, imageSize: 32),
        .features(.vgg19, baseFilters: 2),
    ]

    @Test(arguments: smallSpecs) func outputHasTheExpectedShape(_ spec: NetworkSpec) {
        let network = spec.makeNetwork()
        var generator = SeededGenerator(seed: 1)
        initializeWeights(network, using: &generator)
        if spec.kind == .discriminator(.nLayers) {
            // Five stride-2 layers then two 4×4 stride-1 convs: 128 → 4 → 3 → 2.
            let output = network(Compare.randomTensor([1, 3, 128, 128], seed: 3), phase: .inference)
            #expect(output.shape == [1, 1, 2, 2])
            return
        }
        let side: Int
        switch spec.kind {
        case .generator(.unet128): side = 128
        case .generator(.unet256): side = 256
        case .generator(.srresnet): side = 8
        default: side = 32
        }
        let batch = spec.kind == .generator(.unet256) ? 1 : 2
        let output = network(Compare.randomTensor([batch, spec.inputChannels, side, side], seed: 2), phase: .training)
        let expected: Shape
        switch spec.kind {
        case .generator(.srresnet): expected = [batch, spec.outputChannels, side * spec.scale, side * spec.scale]
        case .generator: expected = [batch, spec.outputChannels, side, side]
        case .discriminator(.srgan): expected = [batch, 1]
        case .discriminator(.pixel): expected = [batch, 1, side, side]
        case .discriminator: expected = [batch, 1, 2, 2]  // basic: 32 → 16 → 8 → 4 → 3 → 2
        case .features: expected = [batch, spec.baseFilters * 8, side / 16, side / 16]
        }
        #expect(output.shape == expected)
        #expect(!output.hasNonFinite)
        if case .generator(let kind) = spec.kind, kind != .srresnet {
            #expect(output.scalars.allSatisfy { abs($0) <= 1 })  // tanh
        }
    }

    @Test func resnetDropoutShiftsTheSecondBlockConv() {
        let names = NetworkSpec.generator(.resnet9, norm: .instance, dropout: true).makeNetwork().namedParameters.map(\.name)
        #expect(names.contains("model.10.conv_block.6.weight"))
        #expect(!names.contains("model.10.conv_block.5.weight"))
        #expect(names.count == 48)
        #expect(names.suffix(2) == ["model.26.weight", "model.26.bias"])
    }

    @Test func unetKeysFollowTheReferenceNesting() {
        let names = NetworkSpec.generator(.unet256, norm: .batch).makeNetwork().namedParameters.map(\.name)
        #expect(names.first == "model.model.0.weight")  // outer down-conv, no bias under batch norm
        #expect(!names.contains("model.model.0.bias"))
        #expect(names.contains("model.model.1.model.1.weight"))
        #expect(names.contains("model.model.1.model.2.running_var"))
        #expect(names.contains("model.model.1.model.5.weight"))
        #expect(names.contains("model.model.1.model.6.num_batches_tracked"))
        #expect(Array(names.suffix(2)) == ["model.model.3.weight", "model.model.3.bias"])  // outer ConvT keeps its bias
    }

    @Test func normNoneHasNoConvBiasesExceptTheLastLayers() {
        let names = NetworkSpec.generator(.resnet9, norm: .none).makeNetwork().namedParameters.map(\.name)
        #expect(names.filter { $0.hasSuffix(".bias") } == ["model.26.bias"])
        let pixel = NetworkSpec.discriminator(.pixel, norm: .none).makeNetwork().namedParameters.map(\.name)
        #expect(pixel == ["net.0.weight", "net.0.bias", "net.2.weight", "net.5.weight"])
    }

    @Test(arguments: smallSpecs) func specRoundTripsThroughJSON(_ spec: NetworkSpec) throws {
        #expect(try NetworkSpec(json: spec.json) == spec)
    }

    @Test func specJSONUsesTheReferenceVocabulary() throws {
        #expect(NetworkSpec.generator(.resnet9).json
            == #"{"blocks":9,"dropout":false,"input_nc":3,"kind":"resnet_9blocks","ngf":64,"norm":"instance","output_nc":3,"role":"generator"}"#)
        #expect(NetworkSpec.discriminator(.basic, inputChannels: 6, norm: .batch).json
            == #"{"input_nc":6,"kind":"basic","n_layers":3,"ndf":64,"norm":"batch","role":"discriminator"}"#)
        // Missing optional keys take the kind's defaults.
        #expect(try NetworkSpec(json: #"{"role":"generator","kind":"unet_256"}"#) == .generator(.unet256))
    }

    @Test func badArchitectureJSONThrowsMetadataErrors() {
        for (json, fragment) in [
            (#"{"role":"generator","kind":"unet_512"}"#, "unknown generator kind 'unet_512'"),
            (#"{"role":"generator","kind":"unet_256","ngf":"wide"}"#, "\"ngf\""),
            (#"{"role":"generator","kind":"unet_256","norm":"group"}"#, "\"norm\""),
            (#"{"kind":"unet_256"}"#, "needs \"role\""),
            (#"{"role":"generator","kind":"unet_256","downsamplings":3}"#, "at least 5 downsamplings"),
            ("[1, 2]", "not a JSON object"),
        ] {
            let error = #expect(throws: CheckpointError.self) { try NetworkSpec(json: json) }
            #expect(error?.code == .metadata)
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "") lacks \(fragment)")
        }
    }

    static let fullSpecs: [NetworkSpec] = {
        var srresnet = NetworkSpec.generator(.srresnet, norm: .none)
        srresnet.blocks = 5
        srresnet.scale = 2
        var unet = NetworkSpec.generator(.unet256, baseFilters: 2)
        unet.downsamplings = 6
        let full: [NetworkSpec] = [
            .generator(.unet256), .generator(.resnet9, dropout: true), .discriminator(.basic), .features(.vgg19), srresnet, unet,
        ]
        return smallSpecs + full
    }()

    /// Reading the configuration back off a network's own keys and shapes gives the same spec (U-Net
    /// dropout excepted: it leaves no keys, so the recipe's default is assumed).
    @Test(arguments: fullSpecs) func configurationIsReadBackFromTheKeys(_ spec: NetworkSpec) throws {
        let shapes = Dictionary(uniqueKeysWithValues: spec.makeNetwork().namedParameters.map { ($0.name, $0.parameter.shape) })
        if spec.kind != .generator(.unet256) || spec.downsamplings == 8 {
            #expect(StateDictImport.detectKind(from: shapes) == spec.kind)
        }
        var inferred = try StateDictImport.inferSpec(spec.kind, from: shapes)
        if case .generator(.unet128) = spec.kind { inferred.dropout = spec.dropout }
        if case .generator(.unet256) = spec.kind { inferred.dropout = spec.dropout }
        #expect(inferred == spec)
    }

    @Test func inferringTheWrongKindNamesTheMissingKey() {
        let shapes = Dictionary(uniqueKeysWithValues: NetworkSpec.discriminator(.basic).makeNetwork().namedParameters
            .map { ($0.name, $0.parameter.shape) })
        let error = #expect(throws: CheckpointError.self) { try StateDictImport.inferSpec(.generator(.resnet9), from: shapes) }
        #expect(error?.code == .mismatch)
        #expect(error?.message.contains("no 'model.1.weight'") == true)
    }

    @Test func specProblemsAreSentences() {
        var spec = NetworkSpec.generator(.srresnet)
        spec.scale = 3
        #expect(spec.problems == ["SRResNet scale must be 2, 4, 8 or 16, got 3"])
        #expect(NetworkSpec.generator(.unet256).inputSizeMultiple == 256)
        #expect(NetworkSpec.generator(.resnet6).inputSizeMultiple == 4)
    }
}

extension NetworkSpec: CustomTestStringConvertible {
    public var testDescription: String { description }
}
