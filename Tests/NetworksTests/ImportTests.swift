import Foundation
import Layers
import Networks
import Tensors
import Testing

/// Checkpoints written by Python's safetensors, `.pth` conversion end to end, and refusal of files
/// that are not plain weights.
@Suite struct ImportTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("translate-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func expectedOutput(_ name: String) throws -> Tensor {
        try #require(try SafeTensors.read(contentsOf: TorchFixtures.url(name + ".expected.safetensors"))["output"])
    }

    /// A file made by Python's `safetensors.torch.save_file` with translate's metadata: the network is
    /// rebuilt from the metadata alone and gives PyTorch's output.
    @Test func checkpointWrittenByPythonRebuildsFromMetadataAlone() throws {
        let (spec, network, checkpoint) = try Checkpoint.loadNetwork(contentsOf: TorchFixtures.url("patchgan_python.safetensors"))
        #expect(spec == .discriminator(.basic, inputChannels: 6, baseFilters: 4, norm: .batch))
        #expect(checkpoint.step == 1200)
        #expect(checkpoint.trainingOptions == ["lr": "0.0002", "gan_mode": "vanilla"])
        #expect(try checkpoint.preprocessingSettings() == Preprocessing(color: "rgb"))
        #expect(checkpoint.extraMetadata["made_by"]?.hasPrefix("safetensors (Python)") == true)
        let output = network(TorchFixtures.input([1, 6, 64, 64]), phase: .inference)
        #expect(output.maxAbsoluteDifference(try expectedOutput("patchgan_basic_batch")) < 1e-4)
    }

    /// The pretrained-zoo path: `translate convert x.pth --netG resnet_9blocks`, then a later command
    /// loads the checkpoint with no architecture flags and gets PyTorch's output.
    @Test func convertedPthRunsWithoutArchitectureFlags() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let destination = directory.appendingPathComponent("resnet.safetensors")
        let conversion = try CheckpointFiles.convert(TorchFixtures.url("resnet9_instance.pth"), to: destination,
                                                     kind: .generator(.resnet9))
        #expect(conversion.format == .zip)
        #expect(conversion.tensorCount == 48)
        #expect(conversion.droppedKeys.isEmpty)

        let (spec, network, checkpoint) = try Checkpoint.loadNetwork(contentsOf: destination)
        #expect(spec == .generator(.resnet9, baseFilters: 4, norm: .instance, dropout: false))
        #expect(checkpoint.extraMetadata["converted_from"] == "resnet9_instance.pth")
        #expect(try checkpoint.preprocessingSettings() == Preprocessing(color: "rgb", inputRange: .minusOneToOne, outputRange: .minusOneToOne))
        let output = network(TorchFixtures.input([1, 3, 32, 32]), phase: .inference)
        #expect(output.maxAbsoluteDifference(try expectedOutput("resnet9_instance")) < 1e-4)
    }

    /// A pre-0.4 legacy file with InstanceNorm running statistics converts (they are dropped) and
    /// a BasicSR wrapper converts from `params_ema`.
    @Test func legacyAndWrappedFilesConvert() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let legacy = try CheckpointFiles.convert(TorchFixtures.url("patchgan_legacy_instance.pth"),
                                                 to: directory.appendingPathComponent("d.safetensors"), kind: .discriminator(.basic))
        #expect(legacy.format == .legacy)
        #expect(legacy.droppedKeys.count == 9)
        #expect(legacy.droppedKeys.allSatisfy { $0.contains("running") || $0.contains("num_batches") })
        let wrapped = try CheckpointFiles.convert(TorchFixtures.url("srresnet_x4.pth"),
                                                  to: directory.appendingPathComponent("g.safetensors"), kind: .generator(.srresnet))
        #expect(wrapped.selectedKey == "params_ema")
        // Asking for the other entry gives the decoy weights (all shifted by 1).
        let decoy = try PyTorchCheckpoint.readStateDict(contentsOf: TorchFixtures.url("srresnet_x4.pth"), key: "params")
        let real = try PyTorchCheckpoint.readStateDict(contentsOf: TorchFixtures.url("srresnet_x4.pth"))
        #expect(decoy.selectedKey == "params")
        // torchvision's classifier is dropped when only the VGG features are wanted.
        let vgg = try CheckpointFiles.convert(TorchFixtures.url("vgg19_w4.pth"), to: directory.appendingPathComponent("v.safetensors"),
                                              kind: .features(.vgg19))
        #expect(vgg.droppedKeys.sorted() == ["classifier.0.bias", "classifier.0.weight", "classifier.3.bias",
                                             "classifier.3.weight", "classifier.6.bias", "classifier.6.weight"])
        #expect(StateDictImport.detectKind(from: try PyTorchCheckpoint.readStateDict(contentsOf: TorchFixtures.url("vgg19_w4.pth")).shapes)
            == .features(.vgg19))
        #expect(try #require(decoy["tail.bias"]).scalars == (try #require(real["tail.bias"])).scalars.map { $0 + 1 })
    }

    /// The importer refuses a pickle that would call `os.system`, before building anything.
    @Test func pickleCallingCodeIsRefused() {
        let error = #expect(throws: CheckpointError.self) {
            try PyTorchCheckpoint.readStateDict(contentsOf: TorchFixtures.url("malicious.pth"))
        }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("system") == true)
        #expect(error?.path?.hasSuffix("malicious.pth") == true)
    }

    @Test func damagedOrForeignFilesThrowNamingThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Data(contentsOf: TorchFixtures.url("resnet9_instance.pth"))
        let truncated = directory.appendingPathComponent("truncated.pth")
        try data.prefix(data.count / 2).write(to: truncated)
        let first = #expect(throws: CheckpointError.self) { try PyTorchCheckpoint.readStateDict(contentsOf: truncated) }
        #expect(first?.code == .corrupt)
        #expect(first?.path == truncated.path)

        let text = directory.appendingPathComponent("notes.pth")
        try Data("not weights".utf8).write(to: text)
        let second = #expect(throws: CheckpointError.self) { try PyTorchCheckpoint.readStateDict(contentsOf: text) }
        #expect(second?.code == .unsupported)

        // A legacy file cut inside its storages.
        let legacy = try Data(contentsOf: TorchFixtures.url("patchgan_legacy_instance.pth"))
        let cut = directory.appendingPathComponent("cut.pth")
        try legacy.prefix(legacy.count - 100).write(to: cut)
        let third = #expect(throws: CheckpointError.self) { try PyTorchCheckpoint.readStateDict(contentsOf: cut) }
        #expect(third?.code == .corrupt)
    }

    @Test func wrongOptionsGiveAMismatchWithAHint() {
        let error = #expect(throws: CheckpointError.self) {
            try StateDictImport.importNetwork(contentsOf: TorchFixtures.url("resnet9_instance.pth"), kind: .generator(.resnet9)) {
                $0.dropout = true
            }
        }
        #expect(error?.code == .mismatch)
        #expect(error?.message.contains("missing: model.10.conv_block.6.weight") == true)
        #expect(error?.message.hasSuffix("convert with --no-dropout") == true)
    }

    @Test func describeSummarisesBothFormats() throws {
        let pth = try CheckpointFiles.describe(contentsOf: TorchFixtures.url("patchgan_legacy_instance.pth"))
        #expect(pth.contains("PyTorch state dict (legacy format)"))
        #expect(pth.contains("architecture (from the keys): discriminator basic (input_nc 3, ndf 4, norm instance)"))
        #expect(pth.contains("parameters: 11,517 trainable"))
        #expect(pth.contains("tensors: all 10 keys match the architecture"))
        #expect(pth.contains("translate convert patchgan_legacy_instance.pth --netD basic"))

        let safetensors = try CheckpointFiles.describe(contentsOf: TorchFixtures.url("patchgan_python.safetensors"))
        #expect(safetensors.contains("architecture: discriminator basic (input_nc 6, ndf 4, norm batch)"))
        #expect(safetensors.contains("step: 1200"))
        #expect(safetensors.contains("training options: gan_mode=vanilla, lr=0.0002"))
        #expect(safetensors.contains("tensors: all 22 keys match the architecture"))
    }
}
