import Foundation
import Layers
import Networks
import Tensors
import Testing

/// Files under Tests/Fixtures/sr_zoo, made by scripts/make_sr_zoo_fixtures.py (PyTorch modules
/// written from BasicSR's architecture files, small widths, random weights).
enum SRZooFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/sr_zoo")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    struct Case {
        var spec: NetworkSpec
        var inputShape: Shape
        /// "params_ema" (with a decoy under "params") or "params".
        var wrappedIn: String
    }

    static func cases() throws -> [String: Case] {
        let data = try Data(contentsOf: url("manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var result: [String: Case] = [:]
        for item in try #require(object["cases"] as? [[String: Any]]) {
            let specData = try JSONSerialization.data(withJSONObject: try #require(item["spec"]), options: [.sortedKeys])
            result[try #require(item["name"] as? String)] = Case(
                spec: try NetworkSpec(json: String(decoding: specData, as: UTF8.self)),
                inputShape: Shape(try #require(item["input_shape"] as? [Int])),
                wrappedIn: try #require(item["wrapped_in"] as? String))
        }
        return result
    }

    /// The script's input: x[i] = 0.5 + 0.45·sin(0.37·i + 0.1), RGB in [0, 1].
    static func input(_ shape: Shape) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.elementCount).map { Float(0.5 + 0.45 * sin(0.37 * Double($0) + 0.1)) })
    }
}

/// BasicSR/Real-ESRGAN `.pth` files: the architecture is recognised from the keys, the
/// configuration read off the tensors, `params_ema` preferred over `params`, and the output equals
/// PyTorch's (to 1e-4).
@Suite struct SRZooParityTests {
    static let names = ["rrdbnet_x4", "rrdbnet_x2", "rrdbnet_x1", "srvgg_x4", "srvgg_x2", "msrresnet_x4", "msrresnet_x3"]

    @Test(arguments: names) func importedNetworkMatchesPyTorch(_ name: String) throws {
        let fixture = try #require(try SRZooFixtures.cases()[name])
        let url = SRZooFixtures.url(name + ".pth")
        let stateDict = try PyTorchCheckpoint.readStateDict(contentsOf: url)
        #expect(stateDict.selectedKey == fixture.wrappedIn)
        let kind = try #require(StateDictImport.detectKind(from: stateDict.shapes))
        #expect(kind == fixture.spec.kind)
        let (spec, network, _) = try StateDictImport.importNetwork(contentsOf: url, kind: kind)
        #expect(spec == fixture.spec)
        let reference = try #require(try SafeTensors.read(contentsOf: SRZooFixtures.url(name + ".expected.safetensors"))["output"])
        let input = SRZooFixtures.input(fixture.inputShape)
        let output = network(input, phase: .inference)
        try #require(output.shape == reference.shape)
        let (_, _, h, w) = input.shape.nchw
        #expect(output.shape.nchw.2 == h * spec.scale && output.shape.nchw.3 == w * spec.scale)
        let error = output.maxAbsoluteDifference(reference)
        print("parity \(name): max |Δ| = \(error)")
        #expect(error < 1e-4)
    }

    /// The decoy under `params` (every tensor + 1) gives a different output, so the parity above
    /// would fail had the importer read `params`.
    @Test func paramsEmaIsPreferredOverParams() throws {
        let url = SRZooFixtures.url("rrdbnet_x4.pth")
        let (_, decoy, _) = try StateDictImport.importNetwork(contentsOf: url, kind: .generator(.rrdbnet), key: "params")
        let (_, real, stateDict) = try StateDictImport.importNetwork(contentsOf: url, kind: .generator(.rrdbnet))
        #expect(stateDict.selectedKey == "params_ema")
        let input = SRZooFixtures.input([1, 3, 6, 5])
        let reference = try #require(try SafeTensors.read(contentsOf: SRZooFixtures.url("rrdbnet_x4.expected.safetensors"))["output"])
        #expect(real(input, phase: .inference).maxAbsoluteDifference(reference) < 1e-4)
        #expect(decoy(input, phase: .inference).maxAbsoluteDifference(reference) > 0.1)
    }

    @Test func conversionRecordsKindScaleAndZeroToOneRanges() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("translate-srzoo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("x2.safetensors")
        let conversion = try CheckpointFiles.convert(SRZooFixtures.url("rrdbnet_x2.pth"), to: destination, kind: .generator(.rrdbnet))
        #expect(conversion.selectedKey == "params")
        #expect(conversion.droppedKeys.isEmpty)
        let (spec, network, checkpoint) = try Checkpoint.loadNetwork(contentsOf: destination)
        #expect(spec.kind == .generator(.rrdbnet) && spec.scale == 2 && spec.blocks == 1 && spec.growthChannels == 4)
        #expect(spec.inputSizeMultiple == 2)
        #expect(try checkpoint.preprocessingSettings() == Preprocessing(color: "rgb", inputRange: .zeroToOne, outputRange: .zeroToOne))
        #expect(checkpoint.extraMetadata["upsampling"]?.contains("nearest") == true)
        let reference = try #require(try SafeTensors.read(contentsOf: SRZooFixtures.url("rrdbnet_x2.expected.safetensors"))["output"])
        #expect(network(SRZooFixtures.input([1, 3, 8, 6]), phase: .inference).maxAbsoluteDifference(reference) < 1e-4)
    }

    @Test func specsRoundTripThroughJSON() throws {
        var rrdb = NetworkSpec.generator(.rrdbnet)
        (rrdb.blocks, rrdb.scale, rrdb.growthChannels) = (6, 2, 16)
        var vgg = NetworkSpec.generator(.srvggnetCompact)
        (vgg.convs, vgg.scale) = (32, 3)
        var msr = NetworkSpec.generator(.msrresnet)
        msr.scale = 3
        for spec in [rrdb, vgg, msr] {
            #expect(try NetworkSpec(json: spec.json) == spec, "\(spec.json)")
        }
        #expect(rrdb.json == #"{"blocks":6,"input_nc":3,"kind":"rrdbnet","ngf":64,"num_grow_ch":16,"output_nc":3,"role":"generator","scale":2}"#)
        #expect(vgg.json == #"{"input_nc":3,"kind":"srvggnet_compact","ngf":64,"num_conv":32,"output_nc":3,"role":"generator","scale":3}"#)
        #expect(throws: CheckpointError.self) {
            try NetworkSpec(json: #"{"role":"generator","kind":"rrdbnet","scale":3}"#)
        }
    }

    @Test func releasedArchitecturesAreNamed() {
        var spec = NetworkSpec.generator(.rrdbnet)
        #expect(StateDictImport.knownModel(spec)?.contains("RealESRGAN_x4plus") == true)
        spec.blocks = 6
        #expect(StateDictImport.knownModel(spec)?.contains("RealESRGAN_x4plus_anime_6B") == true)
        spec.blocks = 23
        spec.scale = 2
        #expect(StateDictImport.knownModel(spec)?.contains("RealESRGAN_x2plus") == true)
        var vgg = NetworkSpec.generator(.srvggnetCompact)
        vgg.convs = 32
        #expect(StateDictImport.knownModel(vgg)?.contains("realesr-general-x4v3") == true)
        vgg.convs = 16
        #expect(StateDictImport.knownModel(vgg)?.contains("realesr-animevideov3") == true)
        vgg.baseFilters = 8
        #expect(StateDictImport.knownModel(vgg) == nil)
    }
}

/// Parameter counts of the released architectures, printed by PyTorch for the modules of
/// scripts/make_sr_zoo_fixtures.py (`--counts`); REFERENCE.md c6 for RRDBNet ×4 and MSRResNet.
@Suite(.serialized) struct SRZooParameterCountTests {
    @Test func rrdbnet23BlocksMatchesRealESRGANx4plus() {
        let network = NetworkSpec.generator(.rrdbnet).makeNetwork()
        #expect(network.parameterCount == 16_697_987)
        let names = network.namedParameters.map(\.name)
        #expect(names.count == 702)
        #expect(names.prefix(3) == ["conv_first.weight", "conv_first.bias", "body.0.rdb1.conv1.weight"])
        #expect(names.contains("body.22.rdb3.conv5.bias"))
        #expect(names.suffix(10) == ["conv_body.weight", "conv_body.bias", "conv_up1.weight", "conv_up1.bias", "conv_up2.weight",
                                     "conv_up2.bias", "conv_hr.weight", "conv_hr.bias", "conv_last.weight", "conv_last.bias"])
    }

    @Test func rrdbnet6BlocksMatchesAnime6B() {
        var spec = NetworkSpec.generator(.rrdbnet)
        spec.blocks = 6
        #expect(spec.parameterCount == 4_467_779)
    }

    @Test func rrdbnetX2MatchesRealESRGANx2plus() {
        var spec = NetworkSpec.generator(.rrdbnet)
        spec.scale = 2
        let network = spec.makeNetwork()
        #expect(network.parameterCount == 16_703_171)
        #expect(network.namedParameters.first?.parameter.shape == [64, 12, 3, 3])
    }

    @Test(arguments: [(32, 1_213_296), (16, 621_424)])
    func srvggMatchesRealESRGANCompactModels(_ configuration: (convs: Int, count: Int)) {
        var spec = NetworkSpec.generator(.srvggnetCompact)
        spec.convs = configuration.convs
        let network = spec.makeNetwork()
        #expect(network.parameterCount == configuration.count)
        let names = network.namedParameters.map(\.name)
        #expect(names.prefix(3) == ["body.0.weight", "body.0.bias", "body.1.weight"])
        let last = 2 * configuration.convs + 2
        #expect(names.suffix(2) == ["body.\(last).weight", "body.\(last).bias"])
    }

    @Test func msrresnetMatchesBasicSR() {
        let network = NetworkSpec.generator(.msrresnet).makeNetwork()
        #expect(network.parameterCount == 1_517_571)
        #expect(network.namedParameters.count == 74)
    }
}
