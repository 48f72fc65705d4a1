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
        options.netG = "unet_128"
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
        let random = RandomSource.shared.generator
        let visuals = trainer.visuals(for: batch)
        #expect(visuals.map(\.label) == ["real_A", "fake_B", "real_B"])
        #expect(visuals[1].image.shape == [1, 3, 128, 128])
        #expect(trainer.generator.namedParameters.map { $0.parameter.value.scalars } == before)
        #expect(RandomSource.shared.generator == random)
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
        options.netG = "unet_512"
        #expect(throws: OptionError.self) { try Pix2PixTrainer(options: options) }
    }
}
