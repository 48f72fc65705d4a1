import Foundation
import Layers
import Networks
import Testing
import Tensors
import TestSupport
import Training

/// Fixed random LR/HR batches in [-1, 1], reproducible from (epoch, batch).
struct SRToySource: BatchSource {
    let batchesPerEpoch = 3
    var scale = 2
    var crop = 16
    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<PairedBatch, Error>> {
        var index = start
        let (scale, crop) = (scale, crop)
        return AnyIterator {
            guard index < batchesPerEpoch else { return nil }
            defer { index += 1 }
            let hr = Compare.randomTensor([2, 3, crop, crop], seed: UInt64(epoch * 100 + index)).clamped(to: -1...1)
            let lr = hr.avgPool2d(kernelSize: scale, stride: scale)
            return .success(PairedBatch(realA: lr, realB: hr, paths: []))
        }
    }
}

@Suite(.serialized) struct SRGANTrainerTests {
    /// A tiny SRGAN: SRResNet ×2 with 8 filters, D with 8, 16² HR crops.
    static func options(pretrain: Int, gan: Int, name: String = "srgan") -> TrainOptions {
        var options = TrainOptions(model: .srgan)
        options.name = name
        options.dataroot = "toy"
        options.scale = 2
        options.cropSize = 16
        options.loadSize = 16
        options.ngf = 8
        options.ndf = 8
        options.batchSize = 2
        options.pretrainIters = pretrain
        options.ganIters = gan
        options.nEpochs = 10
        options.nEpochsDecay = 0
        options.printFreq = 1
        options.saveLatestFreq = 1000
        options.saveEpochFreq = 1000
        options.initType = .kaiming
        options.initGain = 1
        return options
    }

    /// Small random VGG19 weights (first width 2, not torchvision's): the tests never need the real ones.
    static func randomVGG(seed: UInt64 = 5) -> VGG19Features {
        let vgg = VGG19Features(baseFilters: 2)
        var random = SeededGenerator(seed: seed)
        initializeWeights(vgg, .kaiming(gain: 1), using: &random)
        return vgg
    }

    func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("translate-srgan-tests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    func loop(_ trainer: SRGANTrainer, _ folder: URL) -> TrainingLoop<SRGANTrainer, SRToySource> {
        let loop = TrainingLoop(trainer: trainer, source: SRToySource(), options: trainer.options, runFolder: folder,
                                interrupts: InterruptWatcher(listensToSignals: false)) { _, _ in }
        loop.progressStyle = .silent
        loop.log = { _ in }
        return loop
    }

    @Test func pretrainStepsLowerThePixelLoss() throws {
        var options = Self.options(pretrain: 20, gan: 0)
        options.lr = 1e-3
        let trainer = try SRGANTrainer(options: options, vgg: nil)
        let batch = try #require(try SRToySource().batches(epoch: 1, startingAt: 0).next()).get()
        let context = StepContext(epoch: 1, iteration: 1, iterationInPhase: 1, phase: "pretrain", phaseIndex: 0)
        var losses: [Float] = []
        for _ in 0..<12 { losses.append(trainer.step(on: batch, context: context)[0].value) }
        #expect(losses.last! < 0.7 * losses.first!, "pixel loss \(losses)")
        #expect(trainer.generator.parameterCount > 0)
    }

    @Test func fullSizeNetworksHaveThePaperParameterCount() throws {
        var options = Self.options(pretrain: 1, gan: 0)
        (options.ngf, options.ndf, options.scale, options.cropSize) = (64, 64, 4, 96)
        let trainer = try SRGANTrainer(options: options, vgg: nil)
        #expect(trainer.generator.parameterCount == 1_550_659)
    }

    @Test func phaseSwitchHappensAtTheDeclaredIteration() throws {
        let trainer = try SRGANTrainer(options: Self.options(pretrain: 3, gan: 4), vgg: Self.randomVGG())
        let training = loop(trainer, folder("switch"))
        #expect(try training.run() == .finished)
        let records = training.lossRecords()
        #expect(records.map(\.iteration) == Array(1...7))
        for record in records {
            let names = Set(record.losses.keys)
            #expect(names == (record.iteration <= 3 ? ["G_pixel"] : ["G_content", "G_GAN", "D_real", "D_fake"]),
                    "iteration \(record.iteration): \(names)")
        }
        for record in records where record.iteration > 3 {
            #expect(record.losses.values.allSatisfy { $0.isFinite && $0 >= 0 })
        }
        // MultiStep at the GAN phase's midpoint: 1e-4 → 1e-5 for both optimizers.
        #expect(abs(trainer.optimizerG.learningRate - 1e-5) < 1e-12)
        #expect(abs(trainer.optimizerD.learningRate - 1e-5) < 1e-12)
    }

    /// With the moving average of G on: weights, the average and D equal a straight run's.
    @Test func resumeAcrossThePhaseSwitchIsBitIdentical() throws {
        var straightOptions = Self.options(pretrain: 3, gan: 3, name: "straight")
        straightOptions.emaDecay = 0.9
        let straight = try SRGANTrainer(options: straightOptions, vgg: Self.randomVGG())
        #expect(try loop(straight, folder("straight")).run() == .finished)

        let runFolder = folder("resumed")
        var first = Self.options(pretrain: 3, gan: 3, name: "resumed")
        first.emaDecay = 0.9
        first.maxSteps = 2
        let before = try SRGANTrainer(options: first, vgg: Self.randomVGG())
        #expect(try loop(before, runFolder).run() == .stepLimit)
        var second = first
        second.maxSteps = 0
        let after = try SRGANTrainer(options: second, vgg: Self.randomVGG())
        #expect(try loop(after, runFolder).run() == .finished)
        for ((name, a), (_, b)) in zip(straight.networks, after.networks) {
            for ((key, p), (_, q)) in zip(a, b) {
                #expect(p.value.scalars == q.value.scalars, "\(name).\(key) differs after resuming")
            }
        }
        let straightAverage = try #require(straight.emaValues), resumedAverage = try #require(after.emaValues)
        #expect(straightAverage.map(\.scalars) == resumedAverage.map(\.scalars))
    }

    /// ema ← d·ema + (1 − d)·θ after each G step, starting at θ after the first; checkpoints and
    /// `superResolve` use the average, training the raw weights.
    @Test func movingAverageOfG() throws {
        var options = Self.options(pretrain: 5, gan: 0)
        options.emaDecay = 0.75
        options.lr = 1e-3
        let trainer = try SRGANTrainer(options: options, vgg: nil)
        let batch = try #require(try SRToySource().batches(epoch: 1, startingAt: 0).next()).get()
        let context = StepContext(epoch: 1, iteration: 1, iterationInPhase: 1, phase: "pretrain", phaseIndex: 0)
        let weight = try #require(trainer.generator.namedParameters.first { $0.parameter.isTrainable }).parameter
        _ = trainer.step(on: batch, context: context)
        let first = weight.value.scalars
        _ = trainer.step(on: batch, context: context)
        let second = weight.value.scalars
        #expect(first != second)
        let average = try #require(trainer.emaValues?.first).scalars
        let expected = zip(first, second).map { 0.75 * $0 + 0.25 * $1 }
        #expect(Compare.maxAbsoluteDifference(average, expected) < 1e-6)
        let url = folder("ema").appendingPathExtension("safetensors")
        try trainer.saveGenerator(to: url, step: 2)
        let saved = try Checkpoint.loadNetwork(contentsOf: url).network.namedParameters.first { $0.parameter.isTrainable }!
        #expect(Compare.maxAbsoluteDifference(saved.parameter.value.scalars, expected) < 1e-6)
        #expect(weight.value.scalars == second, "saving must restore the trained weights")
    }

    @Test func missingVGGWeightsStopWithWhereToGetThem() throws {
        let options = Self.options(pretrain: 2, gan: 2)
        do {
            _ = try SRGANTrainer.loadVGG(options: options)
            Issue.record("no error without --vgg-weights")
        } catch let error as OptionError {
            #expect(error.message.contains("https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"))
            #expect(error.message.contains("translate convert vgg19-dcbb9e9d.pth --netF vgg19"))
            #expect(error.message.contains("--gan-iters 0"))
        }
        #expect(throws: OptionError.self) { try SRGANTrainer(options: options, vgg: nil) }
        // Without a GAN phase no weights are needed.
        #expect(try SRGANTrainer.loadVGG(options: Self.options(pretrain: 2, gan: 0)) == nil)
    }

    @Test func vggWeightsLoadFromOurCheckpoint() throws {
        let vgg = Self.randomVGG(seed: 9)
        let url = folder("vgg").appendingPathExtension("safetensors")
        try Checkpoint(network: vgg, spec: .features(.vgg19, baseFilters: 2)).write(to: url)
        var options = Self.options(pretrain: 0, gan: 1)
        options.vggWeights = url.path
        let loaded = try #require(try SRGANTrainer.loadVGG(options: options))
        for ((key, p), (_, q)) in zip(vgg.namedParameters, loaded.namedParameters) {
            #expect(p.value.scalars == q.value.scalars, "\(key)")
        }
        options.vggWeights = url.path + ".missing"
        #expect(throws: OptionError.self) { try SRGANTrainer.loadVGG(options: options) }
    }

    @Test func vggLayerNames() throws {
        #expect(try SRGANTrainer.vggIndex(of: "relu5_4") == 35)
        #expect(try SRGANTrainer.vggIndex(of: "conv5_4") == 34)
        #expect(try SRGANTrainer.vggIndex(of: "relu2_2") == 8)
        #expect(throws: OptionError.self) { try SRGANTrainer.vggIndex(of: "relu6_1") }
    }

    /// The content loss is the paper's: MSE of the feature maps each multiplied by 1/12.75.
    @Test func contentLossRescalesTheFeatureMaps() throws {
        var options = Self.options(pretrain: 0, gan: 1)
        options.vggLayer = "relu2_2"
        let trainer = try SRGANTrainer(options: options, vgg: Self.randomVGG())
        let a = Compare.randomTensor([1, 3, 16, 16], seed: 3).clamped(to: -1...1)
        let b = Compare.randomTensor([1, 3, 16, 16], seed: 4).clamped(to: -1...1)
        let features = { (x: Tensor) in trainer.vgg!.activations(SRGANTrainer.imagenetNormalized(x), at: [8])[8]! }
        let plain = features(a).mseLoss(features(b)).scalar
        let loss = trainer.contentLoss(a, b).scalar
        #expect(plain > 0)
        #expect(abs(loss - plain / (12.75 * 12.75)) <= 1e-5 * plain)
    }
}

/// Our content loss and its gradient with respect to the SR image against PyTorch's, on the random
/// width-4 VGG19 of the network parity tests (Fixtures/torch/vgg19_w4.pth: random weights, not
/// torchvision's ImageNet ones); fixture by scripts/make_vgg_loss_fixtures.py.
@Suite struct SRGANContentLossParityTests {
    @Test(arguments: [("relu5_4_mse", "relu5_4", TrainOptions.Criterion.mse, Float(1 / 12.75), Float(1)),
                      ("conv5_4_mse", "conv5_4", .mse, 1 / 12.75, 1),
                      ("relu2_2_l1", "relu2_2", .l1, 1, 0.5)])
    func lossAndGradientMatchPyTorch(_ name: String, _ layer: String, _ criterion: TrainOptions.Criterion,
                                     _ rescale: Float, _ weight: Float) throws {
        let fixture = try SafeTensors.read(contentsOf: Fixtures.url("torch/vgg_loss.safetensors"))
        let network = try StateDictImport.importNetwork(contentsOf: Fixtures.url("torch/vgg19_w4.pth"), kind: .features(.vgg19)).network
        let vgg = try #require(network as? VGG19Features)
        var options = SRGANTrainerTests.options(pretrain: 0, gan: 1)
        (options.vggLayer, options.vggCriterion, options.vggRescale, options.vggWeight) = (layer, criterion, rescale, weight)
        options.cropSize = 32
        let trainer = try SRGANTrainer(options: options, vgg: vgg)
        let sr = Parameter(try #require(fixture["sr"])), hr = try #require(fixture["hr"])
        let features = vgg.activations(SRGANTrainer.imagenetNormalized(sr.value), at: [trainer.vggIndex])[trainer.vggIndex]!
        let expectedFeatures = try #require(fixture["\(name).features"])
        #expect(relativeError(features.scalars, expectedFeatures.scalars) < 1e-4, "\(name) features")
        let loss = trainer.contentLoss(sr.tracked, hr)
        loss.backward()
        let expectedLoss = try #require(fixture["\(name).loss"]).scalars[0]
        // Float32 through up to 16 convolutions of tiny random features: agreement to 1e-3 relative.
        #expect(abs(loss.scalar - expectedLoss) <= 1e-3 * abs(expectedLoss), "\(name): ours \(loss.scalar), torch \(expectedLoss)")
        let gradient = try #require(sr.gradient), expectedGradient = try #require(fixture["\(name).grad"])
        #expect(relativeError(gradient.scalars, expectedGradient.scalars) < 1e-3, "\(name) gradient")
    }
}

/// The largest difference over the largest reference magnitude.
private func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count, let scale = b.map(abs).max(), scale > 0 else { return .infinity }
    return Compare.maxAbsoluteDifference(a, b) / scale
}
