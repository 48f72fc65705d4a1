import Foundation
import Layers
import Networks
import Testing

@testable import CLI

/// `translate convert` on BasicSR/Real-ESRGAN `.pth` files with no flags: the checkpoint records the
/// kind, the scale and the [0, 1] ranges, so `translate upscale` needs no flags either.
@Suite struct ConvertCommandTests {
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/sr_zoo")

    @Test(arguments: [("srvgg_x4.pth", "srvggnet_compact", 4), ("msrresnet_x3.pth", "msrresnet", 3), ("rrdbnet_x1.pth", "rrdbnet", 1)])
    func convertWithoutFlagsRecordsKindScaleAndRanges(_ file: String, kind: String, scale: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("translate-convert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("model.safetensors")
        try Tool.Convert.parse([Self.fixtures.appendingPathComponent(file).path, "-o", output.path]).run()

        let checkpoint = try Checkpoint.read(contentsOf: output)
        let architectureText = try #require(checkpoint.architecture)
        let architecture = try #require(try JSONSerialization.jsonObject(with: Data(architectureText.utf8)) as? [String: Any])
        #expect(architecture["kind"] as? String == kind)
        #expect(architecture["scale"] as? Int == scale)
        let preprocessingText = try #require(checkpoint.preprocessing)
        let preprocessing = try #require(try JSONSerialization.jsonObject(with: Data(preprocessingText.utf8)) as? [String: Any])
        #expect(preprocessing["input_range"] as? String == "[0,1]")
        #expect(preprocessing["output_range"] as? String == "[0,1]")
        #expect(checkpoint.extraMetadata["converted_from"] == file)
        let spec = try checkpoint.networkSpec()
        #expect(spec.scale == scale)
    }

    @Test func modelsTableListsTheZoo() {
        let table = Tool.Models.table()
        #expect(table.contains("rrdbnet"))
        #expect(table.contains("16,697,987"))
        #expect(table.contains("srvggnet_compact"))
        #expect(table.contains("621,424"))
        #expect(table.contains("msrresnet"))
        #expect(table.contains("1,517,571"))
    }
}
