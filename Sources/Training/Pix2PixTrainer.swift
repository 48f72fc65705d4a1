import Foundation
import Layers
import Networks
import Tensors

/// A batch of aligned pairs: `realA` `[N, inputNC, H, W]`, `realB` `[N, outputNC, H, W]` in [-1, 1].
public struct PairedBatch {
    public var realA: Tensor
    public var realB: Tensor
    public var paths: [String]
    public init(realA: Tensor, realB: Tensor, paths: [String]) {
        self.realA = realA
        self.realB = realB
        self.paths = paths
    }
}

/// Pix2Pix (Isola et al. 2017) as the reference `pix2pix_model.py`: a U-Net generator, a PatchGAN on
/// concat(A, B), the vanilla GAN loss plus λ·L1, Adam(2e-4, β1 0.5); D steps first on the detached
/// fake, then G with D frozen. The colorization model is this trainer on Lab data (L → ab).
public final class Pix2PixTrainer: Trainer {
    public typealias Batch = PairedBatch

    public let options: TrainOptions
    public let generatorSpec: NetworkSpec
    public let discriminatorSpec: NetworkSpec
    public let generator: any Layer
    public let discriminator: any Layer
    public let optimizerG: Adam
    public let optimizerD: Adam
    public let ganMode: GANMode
    /// The generator's dropout masks, owned by this trainer (never the process-wide source) so that
    /// runs are reproducible and checkpointed exactly.
    public let dropoutSource: RandomSource
    /// Converts a visual to displayable RGB/gray (Lab → RGB for colorization); identity otherwise.
    public var displayTransform: (_ label: String, _ image: Tensor, _ batch: PairedBatch) -> Tensor = { _, image, _ in image }

    public init(options: TrainOptions) throws {
        self.options = options
        guard !options.netG.isSuperResolution else {
            throw OptionError("--netG \(options.netG.rawValue) is not a pix2pix generator (unet_256, unet_128, resnet_9blocks, resnet_6blocks)")
        }
        guard options.netD != .srgan else {
            throw OptionError("--netD srgan is not a PatchGAN discriminator (basic, n_layers, pixel)")
        }
        let generatorKind = options.netG, discriminatorKind = options.netD, norm = options.norm
        let scheme = options.initType.scheme(gain: options.initGain)
        ganMode = options.ganMode
        generatorSpec = .generator(generatorKind, inputChannels: options.inputNC, outputChannels: options.outputNC,
                                   baseFilters: options.ngf, norm: norm, dropout: !options.noDropout)
        // D judges the pair: it sees concat(A, B).
        discriminatorSpec = .discriminator(discriminatorKind, inputChannels: options.inputNC + options.outputNC,
                                           baseFilters: options.ndf, norm: norm, layers: options.nLayersD)
        for problem in generatorSpec.problems + discriminatorSpec.problems { throw OptionError(problem) }
        let multiple = generatorSpec.inputSizeMultiple
        if options.cropSize % multiple != 0 {
            throw OptionError("--netG \(options.netG.rawValue) needs the image side to be a multiple of \(multiple); --crop-size is \(options.cropSize)")
        }
        dropoutSource = RandomSource(seed: options.seed &+ 2)
        generator = generatorSpec.makeNetwork(dropoutSource: dropoutSource)
        discriminator = discriminatorSpec.makeNetwork(dropoutSource: dropoutSource)
        var generatorRandom = SeededGenerator(seed: options.seed)
        initializeWeights(generator, scheme, using: &generatorRandom)
        var discriminatorRandom = SeededGenerator(seed: options.seed &+ 1)
        initializeWeights(discriminator, scheme, using: &discriminatorRandom)
        optimizerG = Adam(parameters: generator.namedParameters, learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
        optimizerD = Adam(parameters: discriminator.namedParameters, learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
    }

    public var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] {
        [("G", generator.namedParameters), ("D", discriminator.namedParameters)]
    }
    public var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", optimizerG), ("D", optimizerD)] }
    public var randomSources: [(name: String, source: RandomSource)] { [("dropout", dropoutSource)] }

    /// One phase for the whole run: G and D both step; the losses are the reference's `loss_names`.
    public var phases: [TrainingPhase] {
        [TrainingPhase(name: "train", optimizers: ["G", "D"], losses: ["G_GAN", "G_L1", "D_real", "D_fake"])]
    }

    /// The reference's `optimize_parameters`; pix2pix has one phase, so `context` changes nothing.
    public func step(on batch: PairedBatch, context: StepContext) -> [(name: String, value: Float)] {
        let realA = batch.realA, realB = batch.realB
        // Forward: G(A). Dropout and batch statistics are on, as in the reference.
        generator.setRequiresGradient(true)
        let fakeB = generator(realA, phase: .training)

        // D step on the detached fake, so D's loss does not reach G.
        discriminator.setRequiresGradient(true)
        let predictionFake = discriminator(realA.concatenated(with: fakeB.detached(), alongAxis: 1), phase: .training)
        let lossDFake = ganMode.loss(predictionFake, isReal: false)
        let predictionReal = discriminator(realA.concatenated(with: realB, alongAxis: 1), phase: .training)
        let lossDReal = ganMode.loss(predictionReal, isReal: true)
        let lossD = (lossDFake + lossDReal).scaled(by: 0.5)
        lossD.backward()
        optimizerD.step()

        // G step with D frozen: fool D, and stay close to B in L1.
        discriminator.setRequiresGradient(false)
        let predictionFakeForG = discriminator(realA.concatenated(with: fakeB, alongAxis: 1), phase: .training)
        let lossGGAN = ganMode.loss(predictionFakeForG, isReal: true)
        let lossGL1 = fakeB.l1Loss(realB).scaled(by: options.lambdaL1)
        let lossG = lossGGAN + lossGL1
        lossG.backward()
        optimizerG.step()
        discriminator.setRequiresGradient(true)
        return [("G_GAN", lossGGAN.scalar), ("G_L1", lossGL1.scalar), ("D_real", lossDReal.scalar), ("D_fake", lossDFake.scalar)]
    }

    /// real_A, fake_B, real_B for the first image of `batch`. Runs G as the reference shows it
    /// (training phase) but restores the running statistics and the dropout stream afterwards, so
    /// showing samples never changes the run.
    public func visuals(for batch: PairedBatch) -> [(label: String, image: Tensor)] {
        let statistics = (generator.namedParameters).filter { !$0.parameter.isTrainable }.map { ($0.parameter, $0.parameter.value) }
        let savedRandom = dropoutSource.generator
        generator.setRequiresGradient(false)
        let fakeB = generator(batch.realA, phase: .training).detached()
        generator.setRequiresGradient(true)
        for (parameter, value) in statistics { parameter.value = value }
        dropoutSource.generator = savedRandom
        return [("real_A", batch.realA), ("fake_B", fakeB), ("real_B", batch.realB)].map { label, image in
            (label, displayTransform(label, image, batch))
        }
    }

    /// The generator run for evaluation or inference (no gradients, same phase as the reference test).
    public func translate(_ realA: Tensor, phase: Phase = .training) -> Tensor {
        let statistics = generator.namedParameters.filter { !$0.parameter.isTrainable }.map { ($0.parameter, $0.parameter.value) }
        generator.setRequiresGradient(false)
        defer {
            generator.setRequiresGradient(true)
            for (parameter, value) in statistics { parameter.value = value }
        }
        return generator(realA, phase: phase).detached()
    }

    public var preprocessing: Preprocessing {
        var result = Preprocessing.defaults(for: generatorSpec)
        result.direction = options.direction.rawValue
        result.preprocess = options.preprocess.rawValue
        result.loadSize = options.loadSize
        result.cropSize = options.cropSize
        return result
    }

    public func saveNetworks(tag: String, in folder: URL, step: Int) throws {
        let trainingOptions = Dictionary(options.resolvedPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        try Checkpoint(network: generator, spec: generatorSpec, preprocessing: preprocessing,
                       trainingOptions: trainingOptions, step: step)
            .write(to: folder.appendingPathComponent("\(tag)_net_G.safetensors"))
        try Checkpoint(network: discriminator, spec: discriminatorSpec, trainingOptions: trainingOptions, step: step)
            .write(to: folder.appendingPathComponent("\(tag)_net_D.safetensors"))
    }
}
