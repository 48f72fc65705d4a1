import Foundation
import Layers
import Networks
import Tensors

/// A batch of unrelated images from the two domains: `realA` `[N, inputNC, H, W]`, `realB`
/// `[N, outputNC, H, W]` in [-1, 1], with the files they came from.
public struct UnpairedBatch {
    public var realA: Tensor
    public var realB: Tensor
    public var pathsA: [String]
    public var pathsB: [String]
    /// - Parameters: realA, realB: `[N, C, H, W]` batches of the two domains (same N).
    public init(realA: Tensor, realB: Tensor, pathsA: [String], pathsB: [String]) {
        self.realA = realA
        self.realB = realB
        self.pathsA = pathsA
        self.pathsB = pathsB
    }
}

/// CycleGAN (Zhu et al. 2017) as the reference `cycle_gan_model.py`: G_A: A → B and G_B: B → A
/// (ResNet generators), D_A judging B images and D_B judging A images (PatchGANs), the LSGAN loss
/// by default, cycle losses λ_A·‖G_B(G_A(A)) − A‖₁ and λ_B·‖G_A(G_B(B)) − B‖₁, identity losses
/// λ_B·λ_idt·‖G_A(B) − B‖₁ and λ_A·λ_idt·‖G_B(A) − A‖₁, image pools of fakes for the Ds, one Adam
/// over both Gs and one over both Ds. Each step: G step with both Ds frozen, then the D steps.
public final class CycleGANTrainer: Trainer {
    public typealias Batch = UnpairedBatch

    public let options: TrainOptions
    public let generatorSpec: NetworkSpec
    public let discriminatorSpec: NetworkSpec
    /// G_A translates A → B, G_B translates B → A.
    public let generatorA: any Layer
    public let generatorB: any Layer
    /// D_A tells real B images from G_A's fakes; D_B real A images from G_B's.
    public let discriminatorA: any Layer
    public let discriminatorB: any Layer
    /// One Adam over G_A + G_B, one over D_A + D_B (parameter names prefixed "G_A.", "D_B.", …).
    public let optimizerG: Adam
    public let optimizerD: Adam
    public let ganMode: GANMode
    public let lambdaA: Float, lambdaB: Float, lambdaIdentity: Float
    /// Fakes shown to D_A (G_A's fake B images) and to D_B (G_B's fake A images).
    public let fakeBPool: ImagePool
    public let fakeAPool: ImagePool
    /// Dropout masks (only with dropout on; CycleGAN's default has none), owned by this trainer.
    public let dropoutSource: RandomSource
    /// The pools' draws, owned by this trainer so a resumed run draws exactly what it would have.
    public let poolSource: RandomSource

    /// Builds the four networks from `options` (`--netG`, `--netD`, `--ngf`, `--ndf`, `--norm`,
    /// `--no-dropout`, …) with the reference's initialisation, seeded from `--seed`.
    /// - Throws: `OptionError` for an unsuitable network or the
    ///   identity loss with `input_nc ≠ output_nc`.
    public convenience init(options: TrainOptions) throws {
        let generatorKind = options.netG, discriminatorKind = options.netD, norm = options.norm
        guard !generatorKind.isSuperResolution else {
            throw OptionError("--netG \(generatorKind.rawValue) is not a CycleGAN generator (resnet_9blocks, resnet_6blocks, unet_256, unet_128)")
        }
        guard discriminatorKind != .srgan else {
            throw OptionError("--netD \(discriminatorKind.rawValue) is not a PatchGAN discriminator (basic, n_layers, pixel)")
        }
        // G_A maps input_nc → output_nc and G_B back; D_A judges B images, D_B judges A images. The
        // reference builds both Ds on output_nc / input_nc; with the identity loss they are equal.
        let generatorSpec = NetworkSpec.generator(generatorKind, inputChannels: options.inputNC, outputChannels: options.outputNC,
                                                  baseFilters: options.ngf, norm: norm, dropout: !options.noDropout)
        let discriminatorSpec = NetworkSpec.discriminator(discriminatorKind, inputChannels: options.outputNC,
                                                          baseFilters: options.ndf, norm: norm, layers: options.nLayersD)
        try self.init(options: options, generatorSpec: generatorSpec, discriminatorSpec: discriminatorSpec)
    }

    /// Builds the trainer with explicit network specs (e.g. fewer residual blocks than the named
    /// kinds have). `generatorSpec` is G_A's; G_B swaps its channel counts. `discriminatorSpec` is
    /// D_A's; D_B takes `input_nc` channels.
    public init(options: TrainOptions, generatorSpec: NetworkSpec, discriminatorSpec: NetworkSpec) throws {
        self.options = options
        let mode = options.ganMode
        let scheme = options.initType.scheme(gain: options.initGain)
        if options.lambdaIdentity > 0 && options.inputNC != options.outputNC {
            throw OptionError("the identity loss needs --input-nc == --output-nc (got \(options.inputNC), \(options.outputNC)): "
                + "G_A(B) must be comparable with B; set --lambda-identity 0")
        }
        if options.poolSize < 0 { throw OptionError("--pool-size must be 0 or more, got \(options.poolSize)") }
        ganMode = mode
        lambdaA = options.lambdaA
        lambdaB = options.lambdaB
        lambdaIdentity = options.lambdaIdentity
        self.generatorSpec = generatorSpec
        self.discriminatorSpec = discriminatorSpec
        var generatorBSpec = generatorSpec
        (generatorBSpec.inputChannels, generatorBSpec.outputChannels) = (generatorSpec.outputChannels, generatorSpec.inputChannels)
        var discriminatorBSpec = discriminatorSpec
        discriminatorBSpec.inputChannels = options.inputNC
        for problem in generatorSpec.problems + discriminatorSpec.problems { throw OptionError(problem) }
        let multiple = generatorSpec.inputSizeMultiple
        if options.cropSize % multiple != 0 {
            throw OptionError("--netG \(options.netG.rawValue) needs the image side to be a multiple of \(multiple); --crop-size is \(options.cropSize)")
        }
        dropoutSource = RandomSource(seed: options.seed &+ 2)
        poolSource = RandomSource(seed: options.seed &+ 5)
        generatorA = generatorSpec.makeNetwork(dropoutSource: dropoutSource)
        generatorB = generatorBSpec.makeNetwork(dropoutSource: dropoutSource)
        discriminatorA = discriminatorSpec.makeNetwork(dropoutSource: dropoutSource)
        discriminatorB = discriminatorBSpec.makeNetwork(dropoutSource: dropoutSource)
        for (network, seedOffset) in [(generatorA, 0), (discriminatorA, 1), (generatorB, 3), (discriminatorB, 4)] as [(any Layer, UInt64)] {
            var random = SeededGenerator(seed: options.seed &+ seedOffset)
            initializeWeights(network, scheme, using: &random)
        }
        fakeBPool = ImagePool(capacity: options.poolSize, random: poolSource)
        fakeAPool = ImagePool(capacity: options.poolSize, random: poolSource)
        func prefixed(_ name: String, _ network: any Layer) -> [(name: String, parameter: Parameter)] {
            network.namedParameters.map { ("\(name).\($0.name)", $0.parameter) }
        }
        optimizerG = Adam(parameters: prefixed("G_A", generatorA) + prefixed("G_B", generatorB),
                          learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
        optimizerD = Adam(parameters: prefixed("D_A", discriminatorA) + prefixed("D_B", discriminatorB),
                          learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
    }

    // MARK: - Trainer

    public var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] {
        [("G_A", generatorA.namedParameters), ("G_B", generatorB.namedParameters),
         ("D_A", discriminatorA.namedParameters), ("D_B", discriminatorB.namedParameters)]
    }
    public var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", optimizerG), ("D", optimizerD)] }
    public var randomSources: [(name: String, source: RandomSource)] { [("dropout", dropoutSource), ("pool", poolSource)] }

    /// The reference's `optimize_parameters`: forward both cycles, G step with both Ds frozen, then
    /// D_A on real B and the pooled fake B, D_B on real A and the pooled fake A, one D update.
    public func step(on batch: UnpairedBatch) -> [(name: String, value: Float)] {
        let realA = batch.realA, realB = batch.realB
        // G_A and G_B. The cycles' graph is freed when `generatorStep` returns, before the D step.
        let (fakeB, fakeA, lossesG) = generatorStep(realA: realA, realB: realB)

        // D step: each D on its real images first, then on pooled fakes, halved. The fakes are those
        // of this step's forward (before G's update), as in the reference.
        discriminatorA.setRequiresGradient(true)
        discriminatorB.setRequiresGradient(true)
        let lossDA = discriminatorLoss(discriminatorA, real: realB, fake: fakeBPool.query(fakeB))
        lossDA.backward()
        let lossDB = discriminatorLoss(discriminatorB, real: realA, fake: fakeAPool.query(fakeA))
        lossDB.backward()
        optimizerD.step()
        return [("D_A", lossDA.scalar), ("G_A", lossesG.ganA), ("cycle_A", lossesG.cycleA), ("idt_A", lossesG.idtA),
                ("D_B", lossDB.scalar), ("G_B", lossesG.ganB), ("cycle_B", lossesG.cycleB), ("idt_B", lossesG.idtB)]
    }

    /// The reference's `forward` + `backward_G` + G update; returns the detached fakes for the D step.
    func generatorStep(realA: Tensor, realB: Tensor)
        -> (fakeB: Tensor, fakeA: Tensor, losses: (ganA: Float, cycleA: Float, idtA: Float, ganB: Float, cycleB: Float, idtB: Float)) {
        // Forward: both translations and both reconstructions.
        generatorA.setRequiresGradient(true)
        generatorB.setRequiresGradient(true)
        let fakeB = generatorA(realA, phase: .training)
        let recA = generatorB(fakeB, phase: .training)
        let fakeA = generatorB(realB, phase: .training)
        let recB = generatorA(fakeA, phase: .training)

        // Both Ds frozen: their weights get no gradient, only the fakes do.
        discriminatorA.setRequiresGradient(false)
        discriminatorB.setRequiresGradient(false)
        var lossIdtA = Tensor(0), lossIdtB = Tensor(0)
        if lambdaIdentity > 0 {
            // G_A should leave a B image alone, and G_B an A image.
            lossIdtA = generatorA(realB, phase: .training).l1Loss(realB).scaled(by: lambdaB * lambdaIdentity)
            lossIdtB = generatorB(realA, phase: .training).l1Loss(realA).scaled(by: lambdaA * lambdaIdentity)
        }
        let lossGA = ganMode.loss(discriminatorA(fakeB, phase: .training), isReal: true)
        let lossGB = ganMode.loss(discriminatorB(fakeA, phase: .training), isReal: true)
        let lossCycleA = recA.l1Loss(realA).scaled(by: lambdaA)
        let lossCycleB = recB.l1Loss(realB).scaled(by: lambdaB)
        let lossG = lossGA + lossGB + lossCycleA + lossCycleB + lossIdtA + lossIdtB
        lossG.backward()
        optimizerG.step()
        return (fakeB.detached(), fakeA.detached(),
                (lossGA.scalar, lossCycleA.scalar, lossIdtA.scalar, lossGB.scalar, lossCycleB.scalar, lossIdtB.scalar))
    }

    /// `backward_D_basic`: (loss(D(real), real) + loss(D(fake), fake)) · 0.5.
    func discriminatorLoss(_ discriminator: any Layer, real: Tensor, fake: Tensor) -> Tensor {
        let lossReal = ganMode.loss(discriminator(real, phase: .training), isReal: true)
        let lossFake = ganMode.loss(discriminator(fake.detached(), phase: .training), isReal: false)
        return (lossReal + lossFake).scaled(by: 0.5)
    }

    /// real_A, fake_B, rec_A, idt_B, real_B, fake_A, rec_B, idt_A (the identities only with
    /// λ_identity > 0, as the reference). Runs the generators without gradients and restores any
    /// running statistics and the dropout stream, so showing samples never changes the run.
    public func visuals(for batch: UnpairedBatch) -> [(label: String, image: Tensor)] {
        let generators = [generatorA, generatorB]
        let statistics = generators.flatMap { $0.namedParameters }.filter { !$0.parameter.isTrainable }
            .map { ($0.parameter, $0.parameter.value) }
        let savedRandom = dropoutSource.generator
        for generator in generators { generator.setRequiresGradient(false) }
        defer {
            for generator in generators { generator.setRequiresGradient(true) }
            for (parameter, value) in statistics { parameter.value = value }
            dropoutSource.generator = savedRandom
        }
        let fakeB = generatorA(batch.realA, phase: .training).detached()
        let recA = generatorB(fakeB, phase: .training).detached()
        let fakeA = generatorB(batch.realB, phase: .training).detached()
        let recB = generatorA(fakeA, phase: .training).detached()
        var result: [(label: String, image: Tensor)] = [("real_A", batch.realA), ("fake_B", fakeB), ("rec_A", recA)]
        if lambdaIdentity > 0 { result.append(("idt_B", generatorB(batch.realA, phase: .training).detached())) }
        result += [("real_B", batch.realB), ("fake_A", fakeA), ("rec_B", recB)]
        if lambdaIdentity > 0 { result.append(("idt_A", generatorA(batch.realB, phase: .training).detached())) }
        return result
    }

    // MARK: - State

    /// Both pools (stored images and fill count), for exact resume.
    public func extraState() -> [(name: String, tensor: Tensor)] {
        fakeBPool.state(prefix: "fake_B_pool") + fakeAPool.state(prefix: "fake_A_pool")
    }

    public func loadExtraState(_ tensors: [String: Tensor]) throws {
        try fakeBPool.loadState(tensors, prefix: "fake_B_pool")
        try fakeAPool.loadState(tensors, prefix: "fake_A_pool")
    }

    /// The inference settings of G_A (`forward` true: it translates in the run's `--direction`) or
    /// of G_B (the opposite direction).
    public func preprocessing(forward: Bool) -> Preprocessing {
        var result = Preprocessing.defaults(for: generatorSpec)
        let reversed = options.direction == .BtoA ? TrainOptions.Direction.AtoB : .BtoA
        result.direction = (forward ? options.direction : reversed).rawValue
        result.preprocess = options.preprocess.rawValue
        result.loadSize = options.loadSize
        result.cropSize = options.cropSize
        if !forward {
            var specB = generatorSpec
            (specB.inputChannels, specB.outputChannels) = (generatorSpec.outputChannels, generatorSpec.inputChannels)
            result.color = Preprocessing.defaults(for: specB).color
        }
        return result
    }

    /// Writes `{tag}_net_G_A`, `_G_B`, `_D_A`, `_D_B.safetensors`; the generators carry their
    /// architecture and preprocessing (with the direction they translate), so `translate apply`
    /// runs either with no flags.
    public func saveNetworks(tag: String, in folder: URL, step: Int) throws {
        let trainingOptions = Dictionary(options.resolvedPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        var specB = generatorSpec
        (specB.inputChannels, specB.outputChannels) = (generatorSpec.outputChannels, generatorSpec.inputChannels)
        var discriminatorBSpec = discriminatorSpec
        discriminatorBSpec.inputChannels = options.inputNC
        let entries: [(String, any Layer, NetworkSpec, Preprocessing?)] = [
            ("G_A", generatorA, generatorSpec, preprocessing(forward: true)),
            ("G_B", generatorB, specB, preprocessing(forward: false)),
            ("D_A", discriminatorA, discriminatorSpec, nil),
            ("D_B", discriminatorB, discriminatorBSpec, nil),
        ]
        for (name, network, spec, preprocessing) in entries {
            try Checkpoint(network: network, spec: spec, preprocessing: preprocessing, trainingOptions: trainingOptions, step: step)
                .write(to: folder.appendingPathComponent("\(tag)_net_\(name).safetensors"))
        }
    }
}
