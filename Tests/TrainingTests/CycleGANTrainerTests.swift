import Foundation
import ImageCodecs
import Inference
import Layers
import Networks
import Tensors
import TestSupport
import Testing
import Training

/// Replays recorded pool decisions (the reference's draws) in query order, for both pools.
final class DecisionQueue {
    var decisions: [Int]
    init(_ decisions: [Int]) { self.decisions = decisions }
    func next(_ capacity: Int) -> ImagePool.Decision {
        precondition(!decisions.isEmpty, "the reference made fewer pool decisions than this run asks for")
        let value = decisions.removeFirst()
        return value < 0 ? nil : value
    }
}

@Suite(.serialized) struct ImagePoolTests {
    static func images(_ n: Int, base: Float) -> Tensor {
        Tensor(shape: [n, 1, 1, 2], scalars: (0..<(2 * n)).map { base + Float($0) })
    }

    @Test func sizeZeroPassesThrough() {
        let pool = ImagePool(capacity: 0, random: RandomSource(seed: 1))
        let batch = Self.images(3, base: 0)
        #expect(pool.query(batch).scalars == batch.scalars)
        #expect(pool.images.isEmpty)
    }

    @Test func fillsThenSwapsAsDecided() {
        let pool = ImagePool(capacity: 2, random: RandomSource(seed: 1))
        let queue = DecisionQueue([1, -1, 0])
        pool.decide = queue.next
        // Not full: stored and returned as they are.
        #expect(pool.query(Self.images(2, base: 0)).scalars == [0, 1, 2, 3])
        // Full: slot 1 is returned and replaced, then the new image is returned, then slot 0.
        let out = pool.query(Self.images(3, base: 10))
        #expect(out.scalars == [2, 3, 12, 13, 0, 1])
        #expect(pool.images.map(\.scalars) == [[14, 15], [10, 11]])
        #expect(queue.decisions.isEmpty)
    }

    @Test func defaultDrawsReturnAStoredImageAboutHalfTheTime() {
        let pool = ImagePool(capacity: 4, random: RandomSource(seed: 7))
        _ = pool.query(Self.images(4, base: 0))
        var stored = 0
        for round in 0..<400 {
            let value = Float(1000 + round * 2)
            if pool.query(Tensor(shape: [1, 1, 1, 2], scalars: [value, value + 1])).scalars[0] != value { stored += 1 }
        }
        #expect(stored > 160 && stored < 240, "returned a stored image \(stored) times of 400")
    }

    @Test func stateRoundTripsAndIsChecked() throws {
        let pool = ImagePool(capacity: 3, random: RandomSource(seed: 1))
        _ = pool.query(Self.images(2, base: 5))
        let tensors = Dictionary(pool.state(prefix: "p").map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let restored = ImagePool(capacity: 3, random: RandomSource(seed: 1))
        try restored.loadState(tensors, prefix: "p")
        #expect(restored.images.map(\.scalars) == pool.images.map(\.scalars))
        let small = ImagePool(capacity: 1, random: RandomSource(seed: 1))
        #expect(throws: TrainingError.self) { try small.loadState(tensors, prefix: "p") }
    }
}

@Suite(.serialized) struct CycleGANTrainerTests {
    /// A tiny unpaired task: smooth colour fields (A) and the same kind of fields with channels
    /// rotated and inverted (B), drawn independently.
    static func batch(seed: UInt64, size: Int, count: Int = 1) -> UnpairedBatch {
        let a = Compare.randomTensor([count, 3, size / 8, size / 8], seed: seed).resized(height: size, width: size, method: .bilinear)
        let other = Compare.randomTensor([count, 3, size / 8, size / 8], seed: seed &+ 1000)
            .resized(height: size, width: size, method: .bilinear)
        let b = Tensor.concatenate([other.sliced(alongAxis: 1, 1..<3), other.sliced(alongAxis: 1, 0..<1)], alongAxis: 1).scaled(by: -1)
        return UnpairedBatch(realA: a.clamped(to: -1...1).detached(), realB: b.clamped(to: -1...1).detached(),
                             pathsA: ["a\(seed)"], pathsB: ["b\(seed)"])
    }

    static func options() -> TrainOptions {
        var options = TrainOptions(model: .cycle_gan)
        options.netG = .resnet6
        options.ngf = 4
        options.ndf = 4
        options.cropSize = 32
        options.loadSize = 32
        options.poolSize = 2
        options.seed = 3
        options.dataroot = "memory"
        return options
    }

    static let lossNames = ["D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B"]

    // MARK: - PyTorch parity

    /// Per tensor: max|a − b| / max(max|b|, 1e-3).
    static func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = b.scalars.map(Swift.abs).max() ?? 0
        return a.maxAbsoluteDifference(b) / Swift.max(scale, 1e-3)
    }

    /// Runs the fixture's 3 steps from its initial weights and compares losses and weights with
    /// PyTorch's (scripts/make_cyclegan_step_fixtures.py).
    @Test(arguments: ["pool0", "pool2"]) func stepsMatchPyTorch(scenario: String) throws {
        let fixture = try Fixtures.safetensors("torch/cyclegan_step.safetensors")
        let noiseOnly = Set(try JSONDecoder().decode([String].self, from: Data(try #require(fixture.metadata["noise_only"]).utf8)))
        var options = TrainOptions(model: .cycle_gan)
        options.poolSize = scenario == "pool2" ? 2 : 0
        options.cropSize = 16
        options.loadSize = 16
        options.dataroot = "memory"
        var generatorSpec = NetworkSpec.generator(.resnet6, inputChannels: 3, outputChannels: 3, baseFilters: 4, norm: .instance,
                                                  dropout: false)
        generatorSpec.blocks = 1
        let discriminatorSpec = NetworkSpec.discriminator(.nLayers, inputChannels: 3, baseFilters: 4, norm: .instance, layers: 2)
        let trainer = try CycleGANTrainer(options: options, generatorSpec: generatorSpec, discriminatorSpec: discriminatorSpec)
        for (network, parameters) in trainer.networks {
            for (name, parameter) in parameters {
                let value = try fixture.require("init.\(network).\(name)")
                #expect(value.shape == parameter.shape, "\(network).\(name)")
                parameter.value = value.copied()
            }
        }
        let expectedParameters = fixture.tensors.filter { $0.name.hasPrefix("init.") }.count
        #expect(trainer.networks.reduce(0) { $0 + $1.parameters.count } == expectedParameters)
        if scenario == "pool2" {
            let queue = DecisionQueue(try fixture.require("pool2.decisions").scalars.map { Int($0) })
            trainer.fakeBPool.decide = queue.next
            trainer.fakeAPool.decide = queue.next
        }
        let expectedLosses = try fixture.require("\(scenario).losses").scalars
        let lr: Float = 2e-4
        var worstLoss: Float = 0, worstWeight: (Float, String) = (0, ""), worstNoise: Float = 0
        for step in 1...3 {
            let batch = UnpairedBatch(realA: try fixture.require("batch\(step - 1).A"), realB: try fixture.require("batch\(step - 1).B"),
                                      pathsA: [], pathsB: [])
            let losses = trainer.step(on: batch)
            #expect(losses.map(\.name) == Self.lossNames)
            for (index, (name, value)) in losses.enumerated() {
                let expected = expectedLosses[(step - 1) * 8 + index]
                let error = Swift.abs(value - expected) / Swift.max(Swift.abs(expected), 1e-3)
                worstLoss = Swift.max(worstLoss, error)
                #expect(error < 1e-4, "\(scenario) step \(step) \(name): \(value) vs PyTorch \(expected)")
            }
            guard fixture["\(scenario).after\(step).G_A.model.1.weight"] != nil else { continue }
            for (network, parameters) in trainer.networks {
                for (name, parameter) in parameters {
                    let key = "\(network).\(name)"
                    let expected = try fixture.require("\(scenario).after\(step).\(key)")
                    if noiseOnly.contains(key) {
                        // True gradient 0 (InstanceNorm cancels the bias), so each engine's gradient is
                        // rounding noise, which Adam turns into moves in a random direction of at most
                        // lr·|m̂|/√v̂ ≤ lr·(1, 1.06, 1.13) at steps 1–3 (Cauchy–Schwarz with β1 0.5,
                        // β2 0.999). These biases change no output; check that each engine stays
                        // within that bound of the start.
                        let initial = try fixture.require("init.\(key)")
                        let bound = 1.1 * Float(step) * lr
                        worstNoise = Swift.max(worstNoise, parameter.value.maxAbsoluteDifference(expected))
                        #expect(parameter.value.maxAbsoluteDifference(initial) <= bound, "\(scenario) step \(step) \(key)")
                        #expect(expected.maxAbsoluteDifference(initial) <= bound, "\(scenario) step \(step) \(key) (PyTorch)")
                        continue
                    }
                    let error = Self.relativeError(parameter.value, expected)
                    if error > worstWeight.0 { worstWeight = (error, "step \(step) \(key)") }
                    #expect(error < 1e-4, "\(scenario) step \(step) \(key): relative error \(error)")
                }
            }
        }
        print("CycleGAN parity \(scenario): worst loss relative error \(worstLoss), worst weight relative error "
            + "\(worstWeight.0) (\(worstWeight.1)), worst pre-norm bias difference \(worstNoise)")
    }

    // MARK: - Training behaviour

    @Test func stepsLowerTheCycleLosses() throws {
        var options = Self.options()
        options.ngf = 16
        options.lr = 1e-3
        let trainer = try CycleGANTrainer(options: options)
        let batches = (0..<2).map { Self.batch(seed: UInt64($0), size: 32) }
        var cycle: [Float] = []
        for step in 0..<24 {
            let losses = trainer.step(on: batches[step % 2])
            #expect(losses.map(\.name) == Self.lossNames)
            #expect(losses.allSatisfy { $0.value.isFinite })
            cycle.append(losses[2].value + losses[6].value)
        }
        // Both batches appear three times in the first and in the last six steps.
        let first = cycle.prefix(6).reduce(0, +) / 6, last = cycle.suffix(6).reduce(0, +) / 6
        #expect(last < 0.85 * first, "cycle_A + cycle_B went from \(first) to \(last): \(cycle)")
    }

    /// `--gan-mode vanilla`: with the reference initialisation D's logits start near 0, so every
    /// adversarial term starts near ln 2 (LSGAN's would be near 1 for G and 0.5 for D).
    @Test func vanillaModeUsesTheLogisticLoss() throws {
        var options = Self.options()
        options.ganMode = .vanilla
        let trainer = try CycleGANTrainer(options: options)
        #expect(trainer.ganMode == .vanilla)
        let losses = Dictionary(uniqueKeysWithValues: trainer.step(on: Self.batch(seed: 2, size: 32)).map { ($0.name, $0.value) })
        for name in ["D_A", "D_B", "G_A", "G_B"] {
            let value = try #require(losses[name])
            #expect(Swift.abs(value - Float(M_LN2)) < 0.05, "\(name) = \(value)")
        }
    }

    @Test func defaultNetworksHaveTheReferenceParameterCounts() throws {
        let trainer = try CycleGANTrainer(options: TrainOptions(model: .cycle_gan))
        #expect(trainer.generatorA.parameterCount == 11_378_179)
        #expect(trainer.generatorB.parameterCount == 11_378_179)
        #expect(trainer.discriminatorA.parameterCount == 2_764_737)
        #expect(trainer.discriminatorB.parameterCount == 2_764_737)
        #expect(trainer.ganMode == .lsgan && trainer.lambdaA == 10 && trainer.lambdaB == 10 && trainer.lambdaIdentity == 0.5)
        #expect(trainer.fakeAPool.capacity == 50 && trainer.fakeBPool.capacity == 50)
        #expect(trainer.generatorSpec.norm == .instance && !trainer.generatorSpec.dropout)
        #expect(trainer.optimizers.map(\.name) == ["G", "D"])
        #expect(trainer.optimizerG.parameters.count == 2 * trainer.generatorA.namedParameters.count)
        #expect(trainer.optimizerG.beta1 == 0.5 && trainer.optimizerG.learningRate == 2e-4)
    }

    @Test func unsupportedOptionsAreUsageErrors() {
        var options = Self.options()
        #expect {
            try options.set("gan_mode", "wgangp")
        } throws: { error in
            (error as? OptionError)?.message.contains("second-order") == true
        }
        options = Self.options()
        options.outputNC = 1
        #expect {
            try CycleGANTrainer(options: options)
        } throws: { error in
            (error as? OptionError)?.message.contains("identity") == true
        }
        options.lambdaIdentity = 0
        #expect(throws: Never.self) { try CycleGANTrainer(options: options) }
        options = Self.options()
        options.cropSize = 30
        #expect(throws: OptionError.self) { try CycleGANTrainer(options: options) }
    }

    @Test func visualsAreTheReferenceSetAndDoNotChangeTheRun() throws {
        let trainer = try CycleGANTrainer(options: Self.options())
        let batch = Self.batch(seed: 9, size: 32)
        _ = trainer.step(on: batch)
        let before = trainer.networks.flatMap { $0.parameters }.map { $0.parameter.value.scalars }
        let visuals = trainer.visuals(for: batch)
        #expect(visuals.map(\.label) == ["real_A", "fake_B", "rec_A", "idt_B", "real_B", "fake_A", "rec_B", "idt_A"])
        #expect(visuals.allSatisfy { $0.image.shape == [1, 3, 32, 32] && !$0.image.requiresGradient })
        #expect(trainer.networks.flatMap { $0.parameters }.map { $0.parameter.value.scalars } == before)
    }

    // MARK: - Checkpoints

    /// G_A and G_B are written self-describing (architecture, preprocessing with their direction) and
    /// run through the same path as `translate apply` with no flags.
    @Test func savedGeneratorsSayTheirDirectionAndRunThroughInference() throws {
        let trainer = try CycleGANTrainer(options: Self.options())
        _ = trainer.step(on: Self.batch(seed: 1, size: 32))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cyclegan-save-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try trainer.saveNetworks(tag: "latest", in: folder, step: 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["latest_net_D_A.safetensors", "latest_net_D_B.safetensors",
                          "latest_net_G_A.safetensors", "latest_net_G_B.safetensors"])
        var bytes: [UInt8] = []
        for y in 0..<20 {
            for x in 0..<28 { bytes += [UInt8(x * 9), UInt8(y * 12), UInt8((x + y) * 5)] }
        }
        let image = PixelBuffer(width: 28, height: 20, channels: 3, bytes: bytes)
        for (name, generator, direction) in [("G_A", trainer.generatorA, "AtoB"), ("G_B", trainer.generatorB, "BtoA")] {
            let (spec, network, checkpoint) = try Checkpoint.loadNetwork(contentsOf: folder.appendingPathComponent("latest_net_\(name).safetensors"))
            let preprocessing = try #require(try checkpoint.preprocessingSettings())
            #expect(preprocessing.direction == direction)
            #expect(preprocessing.color == "rgb" && preprocessing.cropSize == 32)
            #expect(spec == trainer.generatorSpec)
            let transform = try ImageTransform(spec: spec, preprocessing: preprocessing, mode: .translate)
            let prepared = transform.prepare(image)
            let runner = GeneratorRunner(spec: spec, network: network, tileSize: 0)
            let output = try #require(runner.run([prepared.input]).first)
            let expected = generator(prepared.input, phase: .inference).detached()
            #expect(output.shape == [1, 3, 20, 28])
            #expect(output.maxAbsoluteDifference(expected) < 1e-4, "\(name) through the inference path")
            let pixels = transform.finish(prepared, output: output)
            #expect(pixels.width == 28 && pixels.height == 20 && pixels.channels == 3)
        }
    }
}

/// CycleGAN through the real training loop: a resume in the middle of an epoch (pools filled and
/// drawing, Adam moments, random state) gives bit-identical weights.
@Suite(.serialized) struct CycleGANLoopTests {
    struct MemorySource: BatchSource {
        let batchesPerEpoch = 3
        func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<UnpairedBatch, Error>> {
            var index = start
            return AnyIterator {
                guard index < batchesPerEpoch else { return nil }
                defer { index += 1 }
                return .success(CycleGANTrainerTests.batch(seed: UInt64(epoch * 10 + index), size: 32))
            }
        }
    }

    func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cyclegan-loop-\(getpid())-\(name)")
    }

    func run(_ name: String, maxSteps: Int) throws -> (CycleGANTrainer, TrainingLoop<CycleGANTrainer, MemorySource>.Outcome) {
        var options = CycleGANTrainerTests.options()
        options.name = name
        options.nEpochs = 2
        options.nEpochsDecay = 1
        options.saveLatestFreq = 2
        options.printFreq = 1
        options.maxSteps = maxSteps
        let trainer = try CycleGANTrainer(options: options)
        let loop = TrainingLoop(trainer: trainer, source: MemorySource(), options: options, runFolder: folder(name),
                                interrupts: InterruptWatcher(listensToSignals: false)) { _, _ in }
        loop.progressStyle = .silent
        loop.log = { _ in }
        return (trainer, try loop.run())
    }

    @Test func resumeInTheMiddleOfAnEpochGivesIdenticalWeights() throws {
        for name in ["straight", "split"] { try? FileManager.default.removeItem(at: folder(name)) }
        defer { for name in ["straight", "split"] { try? FileManager.default.removeItem(at: folder(name)) } }
        let (straight, _) = try run("straight", maxSteps: 7)
        // Split at 4: the pools (size 2, batch 1) are full after step 2, so steps 3–4 drew already.
        let (first, _) = try run("split", maxSteps: 4)
        #expect(first.fakeBPool.images.count == 2 && first.fakeAPool.images.count == 2)
        let state = try SafeTensors.read(contentsOf: folder("split").appendingPathComponent("latest.safetensors"))
        #expect(state["extra.fake_B_pool.images"]?.shape == [2, 3, 32, 32])
        #expect(state.metadata["rng.pool"] != nil)
        let (resumed, outcome) = try run("split", maxSteps: 7)
        #expect(outcome == .stepLimit)
        let a = straight.networks.flatMap { $0.parameters }, b = resumed.networks.flatMap { $0.parameters }
        #expect(a.map(\.name) == b.map(\.name))
        for (x, y) in zip(a, b) {
            #expect(x.parameter.value.scalars == y.parameter.value.scalars, "\(x.name) differs after resume")
        }
        #expect(straight.fakeBPool.images.map(\.scalars) == resumed.fakeBPool.images.map(\.scalars))
        #expect(straight.fakeAPool.images.map(\.scalars) == resumed.fakeAPool.images.map(\.scalars))
        #expect(straight.poolSource.generator == resumed.poolSource.generator)
        #expect(straight.optimizerD.stepCount == resumed.optimizerD.stepCount)
        for ((_, x), (_, y)) in zip(straight.optimizerG.stateTensors(), resumed.optimizerG.stateTensors()) {
            #expect(x.scalars == y.scalars)
        }
    }
}
