import Foundation
import Layers
import Tensors
import TestSupport
import Testing

@Suite struct CheckpointTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("translate-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func network() -> Sequential {
        let net = Sequential(Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, bias: false), BatchNorm2D(channels: 3))
        var generator = SeededGenerator(seed: 5)
        initializeWeights(net, using: &generator)
        return net
    }

    @Test func roundTripsTensorsAndMetadata() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let net = network()
        let url = directory.appendingPathComponent("net.safetensors")
        let checkpoint = Checkpoint(network: net, architecture: #"{"kind":"test"}"#, preprocessing: #"{"color":"rgb"}"#,
                                    trainingOptions: ["lr": "0.0002", "netG": "unet_256"], step: 42,
                                    extraMetadata: ["note": "hello"])
        try checkpoint.write(to: url)
        // Nothing but the file is left in the folder (the temporary file was renamed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["net.safetensors"])

        let read = try Checkpoint.read(contentsOf: url)
        #expect(read.tensors.map(\.name) == ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"])
        #expect(read.architecture == #"{"kind":"test"}"#)
        #expect(read.preprocessing == #"{"color":"rgb"}"#)
        #expect(read.trainingOptions == ["lr": "0.0002", "netG": "unet_256"])
        #expect(read.step == 42)
        #expect(read.extraMetadata == ["note": "hello"])
        #expect(read.metadata["format"] == "translate-checkpoint/1")

        let copy = network()
        var other = SeededGenerator(seed: 99)
        initializeWeights(copy, using: &other)
        try read.load(into: copy)
        for ((_, a), (_, b)) in zip(net.stateTensors, copy.stateTensors) { #expect(a.scalars == b.scalars) }
    }

    @Test func mismatchListsMissingUnexpectedAndMisshapedKeys() throws {
        let net = network()
        var tensors = net.stateTensors.filter { $0.name != "1.bias" }
        tensors.append(("2.weight", Tensor(zeros: [1])))
        tensors[0] = ("0.weight", Tensor(zeros: [3, 2, 5, 5]))
        let before = (net[0] as! Conv2D).weight.value.scalars
        let error = #expect(throws: CheckpointError.self) { try net.loadState(tensors) { _ in "try --norm batch" } }
        #expect(error?.code == .mismatch)
        let message = error?.message ?? ""
        #expect(message.contains("1 missing: 1.bias"))
        #expect(message.contains("1 unexpected: 2.weight"))
        #expect(message.contains("1 mis-shaped: 0.weight (network [3, 2, 3, 3], file [3, 2, 5, 5])"))
        #expect(message.hasSuffix("try --norm batch"))
        // Nothing was loaded.
        #expect((net[0] as! Conv2D).weight.value.scalars == before)
    }

    @Test func damagedFilesThrowCorruptNamingThePath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.safetensors")
        let good = try Checkpoint(network: network(), architecture: "{}").encoded()

        for damaged in [good.prefix(good.count - 10), good.prefix(5), Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]) + good.dropFirst(8)] {
            try Data(damaged).write(to: url)
            let error = #expect(throws: CheckpointError.self) { try Checkpoint.read(contentsOf: url) }
            #expect(error?.code == .corrupt)
            #expect(error?.path == url.path)
        }
        let missing = #expect(throws: CheckpointError.self) { try Checkpoint.read(contentsOf: directory.appendingPathComponent("none")) }
        #expect(missing?.code == .io)
    }

    @Test func badMetadataIsReported() throws {
        let tensors: [(name: String, tensor: Tensor)] = [("w", Tensor(zeros: [1]))]
        let step = #expect(throws: CheckpointError.self) {
            try Checkpoint(contents: SafeTensors.Contents(tensors: tensors, metadata: ["step": "ten"]))
        }
        #expect(step?.code == .metadata)
        let newer = #expect(throws: CheckpointError.self) {
            try Checkpoint(contents: SafeTensors.Contents(tensors: tensors, metadata: ["format": "translate-checkpoint/9"]))
        }
        #expect(newer?.code == .unsupported)
    }
}
