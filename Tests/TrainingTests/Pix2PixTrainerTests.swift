import Foundation
import Layers
import Networks
import Tensors
import TestSupport
import Testing
import Training

@Suite(.serialized) struct Pix2PixTrainerTests {
    /// A tiny paired task: B is A with its channels rotated and inverted, so G can learn it.
    static func pair(seed: UInt64, size: Int) -> PairedBatch {
        let a = Compare.randomTensor([1, 3, size / 8, size / 8], seed: seed).resized(height: size, width: size, method: .bilinear)
        let b = Tensor.concatenate([a.sliced(alongAxis: 1, 1..<3), a.sliced(alongAxis: 1, 0..<1)], alongAxis: 1).scaled(by: -1)
        return PairedBatch(realA: a.detached(), realB: b.detached(), paths: ["pair\(seed)"])
    }

    static func options() -> TrainOptions {
        var options = TrainOptions(model: .pix2pix)
        options.netG = .unet128
        options.ngf = 4
        options.ndf = 4
        options.cropSize = 128
        options.loadSize = 128
        options.seed = 3
        options.dataroot = "memory"
        return options
    }

    @Test func stepsLowerTheL1Loss() throws {
        var options = Self.options()
        options.lr = 2e-3
        let trainer = try Pix2PixTrainer(options: options)
        #expect(trainer.generator.parameterCount == trainer.generatorSpec.parameterCount)
        let batches = (0..<2).map { Self.pair(seed: UInt64($0), size: 128) }
        var l1: [Float] = []
        for step in 0..<24 {
            let losses = trainer.step(on: batches[step % 2])
            #expect(losses.map(\.name) == ["G_GAN", "G_L1", "D_real", "D_fake"])
            #expect(losses.allSatisfy { $0.value.isFinite })
            l1.append(losses[1].value)
        }
        let first = l1.prefix(4).reduce(0, +) / 4, last = l1.suffix(4).reduce(0, +) / 4
        #expect(last < 0.7 * first, "G_L1 went from \(first) to \(last): \(l1)")
    }

    @Test func visualsDoNotChangeTheRun() throws {
        let trainer = try Pix2PixTrainer(options: Self.options())
        let batch = Self.pair(seed: 9, size: 128)
        _ = trainer.step(on: batch)
        let before = trainer.generator.namedParameters.map { $0.parameter.value.scalars }
        let random = trainer.dropoutSource.generator
        let visuals = trainer.visuals(for: batch)
        #expect(visuals.map(\.label) == ["real_A", "fake_B", "real_B"])
        #expect(visuals[1].image.shape == [1, 3, 128, 128])
        #expect(trainer.generator.namedParameters.map { $0.parameter.value.scalars } == before)
        #expect(trainer.dropoutSource.generator == random)
    }

    @Test func savedGeneratorRebuildsFromItsMetadataAlone() throws {
        let trainer = try Pix2PixTrainer(options: Self.options())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-save-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try trainer.saveNetworks(tag: "latest", in: folder, step: 7)
        let loaded = try Checkpoint.loadNetwork(contentsOf: folder.appendingPathComponent("latest_net_G.safetensors"))
        #expect(loaded.spec == trainer.generatorSpec)
        let input = Self.pair(seed: 4, size: 128).realA
        let expected = trainer.generator(input, phase: .inference)
        #expect(loaded.network(input, phase: .inference).maxAbsoluteDifference(expected) < 1e-6)
        #expect(loaded.checkpoint.step == 7)
    }

    @Test func impossibleOptionsAreRejected() {
        var options = Self.options()
        options.cropSize = 100
        #expect(throws: OptionError.self) { try Pix2PixTrainer(options: options) }
        options = Self.options()
        options.netG = .srresnet
        #expect(throws: OptionError.self) { try Pix2PixTrainer(options: options) }
        options.netG = .rrdbnet
        #expect(throws: OptionError("--netG rrdbnet is not a pix2pix generator (unet_256, unet_128, resnet_9blocks, resnet_6blocks)")) {
            try Pix2PixTrainer(options: options)
        }
    }
}

/// Pix2Pix through the real training loop: exact resume (weights, Adam moments, batch-norm running
/// statistics, dropout masks) and the NaN guard on a poisoned batch.
@Suite(.serialized) struct Pix2PixLoopTests {
    struct MemorySource: BatchSource {
        var poisonAt: (epoch: Int, index: Int)?
        let batchesPerEpoch = 3
        func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<PairedBatch, Error>> {
            var index = start
            return AnyIterator {
                guard index < batchesPerEpoch else { return nil }
                defer { index += 1 }
                var pair = Pix2PixTrainerTests.pair(seed: UInt64(epoch * 10 + index), size: 128)
                if let poison = poisonAt, poison == (epoch, index) {
                    pair.realA = Tensor(repeating: .nan, shape: pair.realA.shape)
                }
                return .success(pair)
            }
        }
    }

    func run(_ name: String, maxSteps: Int, source: MemorySource = MemorySource()) throws -> (Pix2PixTrainer, TrainingLoop<Pix2PixTrainer, MemorySource>.Outcome) {
        var options = Pix2PixTrainerTests.options()
        options.name = name
        options.nEpochs = 2
        options.nEpochsDecay = 1
        options.saveLatestFreq = 2
        options.printFreq = 1
        options.maxSteps = maxSteps
        let trainer = try Pix2PixTrainer(options: options)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-loop-\(getpid())-\(name)")
        // Only the SIGINT test listens to signals; this loop must not see that test's Ctrl-C.
        let loop = TrainingLoop(trainer: trainer, source: source, options: options, runFolder: folder,
                                interrupts: InterruptWatcher(listensToSignals: false)) { _, _ in }
        loop.progressStyle = .silent
        loop.log = { _ in }
        return (trainer, try loop.run())
    }

    func clean(_ name: String) {
        try? FileManager.default.removeItem(at: FileManager.default.temporaryDirectory.appendingPathComponent("pix2pix-loop-\(getpid())-\(name)"))
    }

    @Test func resumeInTheMiddleOfAnEpochGivesIdenticalWeights() throws {
        clean("straight")
        clean("split")
        let (straight, _) = try run("straight", maxSteps: 7)
        _ = try run("split", maxSteps: 4)
        let (resumed, outcome) = try run("split", maxSteps: 7)
        #expect(outcome == .stepLimit)
        let a = straight.networks.flatMap { $0.parameters }, b = resumed.networks.flatMap { $0.parameters }
        #expect(a.map(\.name) == b.map(\.name))
        for (x, y) in zip(a, b) {
            #expect(x.parameter.value.scalars == y.parameter.value.scalars, "\(x.name) differs after resume")
        }
    }

    @Test func poisonedBatchStopsTrainingAndKeepsTheLastCheckpoint() throws {
        clean("poison")
        do {
            _ = try run("poison", maxSteps: 0, source: MemorySource(poisonAt: (1, 2)))
            Issue.record("a NaN batch did not stop training")
        } catch let error as TrainingError {
            #expect(error.message.contains("became NaN"), "\(error)")
        }
        let state = try SafeTensors.read(contentsOf: FileManager.default.temporaryDirectory
            .appendingPathComponent("pix2pix-loop-\(getpid())-poison/latest.safetensors"))
        #expect(state.metadata["iteration"] == "2")
        #expect(state.tensors.allSatisfy { !$0.tensor.hasNonFinite })
    }
}
