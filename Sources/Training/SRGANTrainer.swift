import Foundation
import Layers
import Networks
import Tensors

/// SRGAN (Ledig et al. 2017, REFERENCE.md c5) in two phases:
/// - **pretrain** (`pretrain_iters`): SRResNet alone on the pixel loss (`pixel_loss`, MSE by
///   default) between G(LR) and HR, Adam(lr, β1 0.9) at a constant rate;
/// - **gan** (`gan_iters`): G on the content loss (VGG19 feature maps at `vgg_layer`, multiplied by
///   `vgg_rescale` = 1/12.75 before the `vgg_criterion` distance, so the paper's MSE is weighted by
///   1/12.75² ≈ 0.006, times `vgg_weight`) plus `lambda_adv` · −log D(G(LR)) (BCE with logits);
///   D on BCE(D(HR), 1) + BCE(D(G(LR)), 0). One D step then one G step per iteration (k = 1). Both
///   optimizers start this phase at `lr` and drop ×0.1 at its midpoint (the paper's 1e-4 then 1e-5).
///
/// Batches are `PairedBatch`es of the SR dataset: `realA` the LR patch, `realB` the HR patch, both
/// in [-1, 1]; G takes LR in [0, 1] and gives HR in [-1, 1] (the checkpoint's preprocessing says so).
public final class SRGANTrainer: Trainer {
    public typealias Batch = PairedBatch

    public let options: TrainOptions
    public let generatorSpec: NetworkSpec
    public let discriminatorSpec: NetworkSpec
    public let generator: any Layer
    public let discriminator: any Layer
    /// The frozen feature extractor of the content loss; nil only for a run without a GAN phase.
    public let vgg: VGG19Features?
    /// `VGG19Features.features` index whose output the content loss compares.
    public let vggIndex: Int
    public let optimizerG: Adam
    public let optimizerD: Adam
    /// Unused by SRResNet and the SRGAN discriminator (no dropout); kept so that the run's random
    /// state has the same shape as the other trainers'.
    public let dropoutSource: RandomSource
    /// The moving average of G's parameters (`ema_decay` > 0), in `generator.namedParameters` order;
    /// running statistics are copied, not averaged. nil when off.
    public private(set) var emaValues: [Tensor]?
    /// Measures G (through `superResolve`) on held-out images: PSNR and SSIM on Y; set by the run.
    public var validator: (() -> (psnr: Double, ssim: Double)?)?
    /// Where `best_net_G.safetensors` goes when a validation beats the best so far; set by the run.
    public var bestFolder: URL?
    /// The best validation PSNR so far (Float, as saved in the training state) and its iteration.
    public private(set) var bestPSNR: Float = -.infinity
    public private(set) var bestIteration = 0
    /// Messages (validation, best checkpoint); standard error by default.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    /// Where to get VGG19 weights, for the messages of a run that needs them.
    public static let vggWeightsHelp = """
        download torchvision's VGG19 weights, https://download.pytorch.org/models/vgg19-dcbb9e9d.pth, \
        and either pass the .pth itself (--vgg-weights vgg19-dcbb9e9d.pth) or convert it once with \
        `translate convert vgg19-dcbb9e9d.pth --netF vgg19 -o vgg19.safetensors` and pass --vgg-weights vgg19.safetensors
        """

    /// Reads the VGG19 weights `options.vggWeights` names (our checkpoint, or torchvision's `.pth`).
    /// - Returns: nil when the run has no GAN phase (`gan_iters` 0).
    /// - Throws: `OptionError` saying where to get the weights when the GAN phase needs them and
    ///   none are given, or naming the file when it cannot be used.
    public static func loadVGG(options: TrainOptions) throws -> VGG19Features? {
        guard options.ganIters > 0 else { return nil }
        guard !options.vggWeights.isEmpty else {
            throw OptionError("the SRGAN phase (--gan-iters \(options.ganIters)) needs VGG19 weights for its content loss "
                + "and none were given (--vgg-weights FILE): " + vggWeightsHelp + "; or train only the SRResNet phase with --gan-iters 0")
        }
        let url = URL(fileURLWithPath: options.vggWeights)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw OptionError("--vgg-weights \(options.vggWeights): no such file; " + vggWeightsHelp)
        }
        let network: any Layer
        do {
            if url.pathExtension.lowercased() == "safetensors" {
                let loaded = try Checkpoint.loadNetwork(contentsOf: url)
                guard loaded.spec.kind == .features(.vgg19) else {
                    throw OptionError("--vgg-weights \(url.path) holds a \(loaded.spec.kind.name) \(loaded.spec.kind.role), not VGG19 features; "
                        + vggWeightsHelp)
                }
                network = loaded.network
            } else {
                network = try StateDictImport.importNetwork(contentsOf: url, kind: .features(.vgg19)).network
            }
        } catch let error as OptionError {
            throw error
        } catch {
            throw OptionError("--vgg-weights \(url.path) cannot be used as VGG19 weights: \(error)")
        }
        guard let vgg = network as? VGG19Features else {
            throw OptionError("--vgg-weights \(url.path) is not a VGG19 feature extractor")
        }
        return vgg
    }

    /// The `VGG19Features.features` index of `name`: `reluI_J` is after the activation, `convI_J` before it.
    public static func vggIndex(of name: String) throws -> Int {
        if let index = VGG19Features.reluIndices[name] { return index }
        if name.hasPrefix("conv"), let index = VGG19Features.reluIndices["relu" + name.dropFirst(4)] { return index - 1 }
        throw OptionError("--vgg-layer \(name) is not a VGG19 layer; use reluI_J or convI_J (e.g. relu5_4, conv5_4, relu2_2)")
    }

    /// - Parameter vgg: the content loss's feature extractor (`loadVGG`); required when `gan_iters` > 0.
    public init(options: TrainOptions, vgg: VGG19Features?) throws {
        self.options = options
        guard options.netG == .srresnet else {
            throw OptionError("--netG \(options.netG.rawValue): the srgan trainer trains srresnet")
        }
        guard options.netD == .srgan else {
            throw OptionError("--netD \(options.netD.rawValue): the srgan trainer uses the srgan discriminator")
        }
        guard options.pretrainIters >= 0, options.ganIters >= 0, options.pretrainIters + options.ganIters > 0 else {
            throw OptionError("--pretrain-iters and --gan-iters must be non-negative and not both 0")
        }
        if options.ganIters > 0 && vgg == nil {
            throw OptionError("the SRGAN phase needs VGG19 weights (--vgg-weights FILE): " + Self.vggWeightsHelp)
        }
        vggIndex = try Self.vggIndex(of: options.vggLayer)
        var generatorSpec = NetworkSpec.generator(.srresnet, inputChannels: options.inputNC, outputChannels: options.outputNC,
                                                  baseFilters: options.ngf, norm: options.norm)
        generatorSpec.scale = options.scale
        self.generatorSpec = generatorSpec
        discriminatorSpec = .discriminator(.srgan, inputChannels: options.outputNC, baseFilters: options.ndf,
                                           norm: options.norm, imageSize: options.cropSize)
        for problem in generatorSpec.problems + discriminatorSpec.problems { throw OptionError(problem) }
        if options.cropSize % options.scale != 0 {
            throw OptionError("--crop-size (\(options.cropSize)) must be a multiple of --scale (\(options.scale))")
        }
        dropoutSource = RandomSource(seed: options.seed &+ 2)
        generator = generatorSpec.makeNetwork(dropoutSource: dropoutSource)
        discriminator = discriminatorSpec.makeNetwork(dropoutSource: dropoutSource)
        let scheme = options.initType.scheme(gain: options.initGain)
        var generatorRandom = SeededGenerator(seed: options.seed)
        initializeWeights(generator, scheme, using: &generatorRandom)
        var discriminatorRandom = SeededGenerator(seed: options.seed &+ 1)
        initializeWeights(discriminator, scheme, using: &discriminatorRandom)
        self.vgg = vgg
        vgg?.setRequiresGradient(false)
        optimizerG = Adam(parameters: generator.namedParameters, learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
        optimizerD = Adam(parameters: discriminator.namedParameters, learningRate: options.lr, beta1: options.beta1, beta2: 0.999)
        guard options.emaDecay >= 0 && options.emaDecay < 1 else {
            throw OptionError("--ema-decay must be in [0, 1), got \(options.emaDecay)")
        }
    }

    /// After each G step: ema ← d·ema + (1 − d)·θ for parameters (BasicSR's `model_ema`); running
    /// statistics are copied. The average starts at G's weights after the first step of the run
    /// (so after `--init-from` has loaded them).
    func updateEMA() {
        guard options.emaDecay > 0 else { return }
        guard var values = emaValues else {
            emaValues = generator.namedParameters.map(\.parameter.value)
            return
        }
        let decay = options.emaDecay
        for (index, (_, parameter)) in generator.namedParameters.enumerated() {
            values[index] = parameter.isTrainable
                ? values[index].scaled(by: decay) + parameter.value.scaled(by: 1 - decay)
                : parameter.value
        }
        emaValues = values
    }

    /// Runs `body` with G's inference weights (the moving average when on), then restores the trained ones.
    public func withInferenceWeights<R>(_ body: () throws -> R) rethrows -> R {
        guard let emaValues else { return try body() }
        let parameters = generator.namedParameters.map(\.parameter)
        let trained = parameters.map(\.value)
        for (parameter, value) in zip(parameters, emaValues) { parameter.value = value }
        defer { for (parameter, value) in zip(parameters, trained) { parameter.value = value } }
        return try body()
    }

    public var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] {
        [("G", generator.namedParameters), ("D", discriminator.namedParameters)]
    }
    public var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", optimizerG), ("D", optimizerD)] }
    public var randomSources: [(name: String, source: RandomSource)] { [("dropout", dropoutSource)] }

    /// "pretrain" (G, constant lr) for `pretrain_iters`, then "gan" (G and D, lr ×0.1 at the
    /// phase's midpoint) for `gan_iters`.
    public var phases: [TrainingPhase] {
        let constant = LearningRateSchedule(.constant, unit: .iteration, baseLearningRate: options.lr)
        let halved = LearningRateSchedule(.multiStep(milestones: [max(1, options.ganIters / 2)], gamma: 0.1), unit: .iteration,
                                          baseLearningRate: options.lr)
        return [
            TrainingPhase(name: "pretrain", length: .iterations(options.pretrainIters), optimizers: ["G"], losses: ["G_pixel"],
                          schedules: ["G": constant]),
            TrainingPhase(name: "gan", length: .iterations(options.ganIters), optimizers: ["G", "D"],
                          losses: ["G_content", "G_GAN", "D_real", "D_fake"], schedules: ["G": halved, "D": halved]),
        ]
    }

    /// LR `[N, C, h, w]` in [-1, 1] → G's input range [0, 1].
    static func generatorInput(_ lowResolution: Tensor) -> Tensor { (lowResolution + 1).scaled(by: 0.5) }

    /// The content loss between G's output and HR (both in [-1, 1]): VGG at `vggIndex` on
    /// ImageNet-normalised RGB, feature maps × `vgg_rescale`, `vgg_criterion`, × `vgg_weight`.
    public func contentLoss(_ superResolved: Tensor, _ highResolution: Tensor) -> Tensor {
        guard let vgg else { preconditionFailure("SRGANTrainer: the content loss needs VGG weights") }
        func features(_ image: Tensor) -> Tensor {
            vgg.activations(Self.imagenetNormalized(image), at: [vggIndex])[vggIndex]!.scaled(by: options.vggRescale)
        }
        let target = features(highResolution).detached()
        return options.vggCriterion.loss(features(superResolved), target).scaled(by: options.vggWeight)
    }

    /// `[N, 3, H, W]` in [-1, 1] → torchvision's input: RGB in [0, 1] minus the ImageNet mean, over its std.
    public static func imagenetNormalized(_ image: Tensor) -> Tensor {
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        var result: Tensor?
        for channel in 0..<3 {
            // ((x + 1) / 2 − m) / s = x · 1/(2s) + (0.5 − m)/s
            let plane = image.sliced(alongAxis: 1, channel..<(channel + 1)).scaled(by: 0.5 / std[channel]) + (0.5 - mean[channel]) / std[channel]
            result = result.map { $0.concatenated(with: plane, alongAxis: 1) } ?? plane
        }
        return result!
    }

    public func step(on batch: PairedBatch, context: StepContext) -> [(name: String, value: Float)] {
        let input = Self.generatorInput(batch.realA), realHR = batch.realB
        generator.setRequiresGradient(true)
        let fakeHR = generator(input, phase: .training)
        guard context.phase == "gan" else {
            let loss = options.pixelLoss.loss(fakeHR, realHR)
            loss.backward()
            optimizerG.step()
            updateEMA()
            return [("G_pixel", loss.scalar)] + validation(at: context.iteration)
        }
        // D step on the detached fake: BCE(D(HR), 1) + BCE(D(G(LR)), 0).
        discriminator.setRequiresGradient(true)
        let lossDReal = GANMode.vanilla.loss(discriminator(realHR, phase: .training), isReal: true)
        let lossDFake = GANMode.vanilla.loss(discriminator(fakeHR.detached(), phase: .training), isReal: false)
        (lossDReal + lossDFake).backward()
        optimizerD.step()

        // G step with D frozen: content loss + λ_adv · −log D(G(LR)).
        discriminator.setRequiresGradient(false)
        let lossGGAN = GANMode.vanilla.loss(discriminator(fakeHR, phase: .training), isReal: true).scaled(by: options.lambdaAdv)
        let lossContent = contentLoss(fakeHR, realHR)
        (lossContent + lossGGAN).backward()
        optimizerG.step()
        updateEMA()
        discriminator.setRequiresGradient(true)
        return [("G_content", lossContent.scalar), ("G_GAN", lossGGAN.scalar), ("D_real", lossDReal.scalar),
                ("D_fake", lossDFake.scalar)] + validation(at: context.iteration)
    }

    /// Every `val_freq` iterations: PSNR/SSIM of G's inference weights on the held-out images, as
    /// log entries, and `best_net_G.safetensors` when the PSNR is the best so far.
    func validation(at iteration: Int) -> [(name: String, value: Float)] {
        guard options.valFreq > 0, iteration % options.valFreq == 0, let validator, let result = validator() else { return [] }
        let psnr = Float(result.psnr)
        if psnr > bestPSNR {
            bestPSNR = psnr
            bestIteration = iteration
            if let bestFolder {
                do {
                    try saveGenerator(to: bestFolder.appendingPathComponent("best_net_G.safetensors"), step: iteration)
                } catch {
                    log("could not write best_net_G.safetensors: \(error)")
                }
            }
        }
        log(String(format: "validation at iteration %d: PSNR-Y %.3f dB, SSIM-Y %.4f (best %.3f dB at %d)", iteration, result.psnr,
                   result.ssim, bestPSNR, bestIteration))
        return [("val_PSNR_Y", psnr), ("val_SSIM_Y", Float(result.ssim))]
    }

    /// The moving average and the best validation, for exact resume.
    public func extraState() -> [(name: String, tensor: Tensor)] {
        var result: [(name: String, tensor: Tensor)] = [("best_psnr", Tensor(bestPSNR)), ("best_iteration", Tensor(Float(bestIteration)))]
        if let emaValues {
            for ((name, _), value) in zip(generator.namedParameters, emaValues) { result.append(("G_ema.\(name)", value)) }
        }
        return result
    }

    public func loadExtraState(_ tensors: [String: Tensor]) throws {
        if let best = tensors["best_psnr"] { bestPSNR = best.scalars[0] }
        if let iteration = tensors["best_iteration"] { bestIteration = Int(iteration.scalars[0]) }
        guard options.emaDecay > 0, tensors.keys.contains(where: { $0.hasPrefix("G_ema.") }) else { return }
        var values: [Tensor] = []
        for (name, parameter) in generator.namedParameters {
            guard let value = tensors["G_ema.\(name)"] else {
                throw OptionError("the training state's moving average of G has no G_ema.\(name)")
            }
            guard value.shape == parameter.value.shape else {
                throw OptionError("G_ema.\(name) has shape \(value.shape), expected \(parameter.value.shape)")
            }
            values.append(value)
        }
        emaValues = values
    }

    /// G's output for LR `[N, C, h, w]` in [-1, 1], in [-1, 1], with its inference weights (the
    /// moving average when on), inference-mode batch norm and no gradients.
    public func superResolve(_ lowResolution: Tensor) -> Tensor {
        generator.setRequiresGradient(false)
        defer { generator.setRequiresGradient(true) }
        return withInferenceWeights { generator(Self.generatorInput(lowResolution), phase: .inference).detached() }
    }

    /// lr (the LR patch), sr (G's output) and hr for the first image of `batch`.
    public func visuals(for batch: PairedBatch) -> [(label: String, image: Tensor)] {
        let lr = batch.realA.sliced(alongAxis: 0, 0..<1), hr = batch.realB.sliced(alongAxis: 0, 0..<1)
        return [("lr", lr), ("sr", superResolve(lr)), ("hr", hr)]
    }

    /// G's checkpoint: RGB in [0, 1] in, [-1, 1] out, the scale in its spec, so `translate upscale`
    /// runs it with no flags.
    public var preprocessing: Preprocessing {
        var result = Preprocessing.defaults(for: generatorSpec)
        result.cropSize = options.cropSize
        return result
    }

    var trainingOptions: [String: String] {
        Dictionary(options.resolvedPairs.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    /// G with its inference weights (the moving average when on) as a self-describing checkpoint.
    public func saveGenerator(to url: URL, step: Int) throws {
        try withInferenceWeights {
            try Checkpoint(network: generator, spec: generatorSpec, preprocessing: preprocessing,
                           trainingOptions: trainingOptions, step: step).write(to: url)
        }
    }

    /// `{tag}_net_G` (inference weights: the moving average when on) and `{tag}_net_D`.
    public func saveNetworks(tag: String, in folder: URL, step: Int) throws {
        try saveGenerator(to: folder.appendingPathComponent("\(tag)_net_G.safetensors"), step: step)
        try Checkpoint(network: discriminator, spec: discriminatorSpec, trainingOptions: trainingOptions, step: step)
            .write(to: folder.appendingPathComponent("\(tag)_net_D.safetensors"))
    }
}
