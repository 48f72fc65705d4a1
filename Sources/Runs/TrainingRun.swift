import Distributed
import Foundation
import ImageCodecs
import ImageDatasets
import Kernels
import Tensors
import Training

/// One training run end to end: the run folder and its `train_opt.yaml`, the trainer, the data, the
/// loop, then the recipe's evaluation and inference steps and the report. `translate train` builds
/// one from resolved options and calls `execute()`.
public struct TrainingRun {
    public let options: TrainOptions
    public let recipe: Recipe?
    /// Plain messages (start, evaluation, report path); standard error by default.
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// What stops training early: Ctrl-C by default; tests running beside others use one that
    /// listens to no signal.
    public var interrupts = InterruptWatcher()
    /// Lines for the user decided while resolving (the sample used instead of a missing dataset),
    /// logged when the run starts.
    public var notes: [String] = []
    /// The processes of a data-parallel run (`mpirun -np N translate train …`); one by default.
    /// Every rank trains; rank 0 alone logs, writes the run folder and runs the evaluation and
    /// inference steps afterwards.
    public var group: any ProcessGroup = LocalGroup()

    public init(options: TrainOptions, recipe: Recipe? = nil) {
        self.options = options
        self.recipe = recipe
    }

    /// `<checkpoints_dir>/<name>`.
    public var runFolder: URL { URL(fileURLWithPath: options.checkpointsDir).appendingPathComponent(options.name) }

    /// Resolves a run from an optional recipe (a name in `searchFolders` or a path) and command-line
    /// flags: the model first, then model defaults < recipe < flags, then validation.
    /// - Throws: `OptionError` for every usage problem (unknown option, bad value, unused option).
    public static func resolve(recipe nameOrPath: String?, flags: OptionSource,
                               searchFolders: [URL] = RecipeLocations.folders()) throws -> TrainingRun {
        var options: TrainOptions
        var notes: [String] = []
        var recipe: Recipe?
        if let nameOrPath {
            var loaded = try Recipe.load(nameOrPath, searchFolders: searchFolders)
            // A recipe for a dataset users fetch (horse2zebra) names a CPU preset on the bundled
            // sample; without the full set (and without --dataroot) that preset runs instead.
            let explicitDataroot = flags.entries.contains { OptionNames.normalized($0.key) == OptionNames.normalized("dataroot") }
            if let sample = loaded.sample, !explicitDataroot {
                let datasetRoot = RecipeLocations.resolve(loaded.dataset, relativeTo: loaded.source)
                let fallback = try Recipe.load(sample, searchFolders: searchFolders)
                let sampleRoot = RecipeLocations.resolve(fallback.dataset, relativeTo: fallback.source)
                if let message = try SampleChoice.message(dataset: datasetRoot, sample: sampleRoot) {
                    notes.append(message)
                    loaded = fallback
                }
            }
            let datasetRoot = RecipeLocations.resolve(loaded.dataset, relativeTo: loaded.source)
            options = try loaded.resolve(overrides: flags, datasetRoot: datasetRoot)
            recipe = loaded
        } else {
            options = try TrainOptions.resolve([flags])
        }
        try options.validate()
        var run = TrainingRun(options: options, recipe: recipe)
        run.notes = notes
        return run
    }

    /// Trains, evaluates, runs the inference steps and writes the report.
    /// - Returns: how the loop ended (evaluation and inference run only when it finished).
    @discardableResult
    public func execute() throws -> RunOutcome {
        var run = self
        if !group.isWriter { run.log = { _ in } }
        return try run.executeAsRank()
    }

    /// This rank's part of `execute()` (with its log already chosen).
    func executeAsRank() throws -> RunOutcome {
        for note in notes { log(note) }
        // SRGAN's VGG weights are read before any work: a GAN phase without them stops here.
        let vgg = options.model == .srgan ? try SRGANTrainer.loadVGG(options: options) : nil
        if group.isWriter {
            try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
            try AtomicWriter.write(Data(Recipe.resolvedYAML(recipe: recipe, options: options).utf8),
                                   to: runFolder.appendingPathComponent("train_opt.yaml"))
        }
        switch options.model {
        case .cycle_gan: return RunOutcome(try trainCycleGAN())
        case .srgan: return RunOutcome(try trainSRGAN(vgg: vgg))
        default: return RunOutcome(try trainPix2Pix())
        }
    }

    // MARK: - Pix2Pix and colorization

    func trainPix2Pix() throws -> TrainingLoop<Pix2PixTrainer, PairLoaderSource>.Outcome {
        let trainer = try Pix2PixTrainer(options: options)
        if options.model == .colorization {
            // Show L as gray and (L, ab) as RGB, as the reference's real_B_rgb / fake_B_rgb.
            trainer.displayTransform = { _, image, batch in
                guard image.shape[1] == 2 else { return image }
                let l = batch.realA.sliced(alongAxis: 0, 0..<1), ab = image.sliced(alongAxis: 0, 0..<1)
                let rgb = PixelTensor.tensor(from: ColorizationDataset.pixels(l: l, ab: ab))
                return rgb.reshaped(to: Shape([1] + rgb.shape.dimensions))
            }
        }
        let data = DatasetOptions(training: options)
        let diagnostics = DatasetDiagnostics()
        let dataset = try makePairDataset(options: options, split: "train", data: data, diagnostics: diagnostics)
        let source = dataset.source(batchSize: options.batchSize, options: data, seed: options.seed,
                                    workers: options.numThreads, diagnostics: diagnostics, shard: shard)
        let loop = makeLoop(trainer: trainer, source: source)
        log("training \(options.model.rawValue) \(options.name): \(dataset.count) images, "
            + "G \(options.netG.rawValue) (\(trainer.generator.parameterCount) parameters), D \(options.netD.rawValue), "
            + "\(Parallel.threadCount) thread(s), run folder \(runFolder.path)")
        let outcome = try loop.run()
        diagnostics.reportSummary()
        guard outcome == .finished, group.isWriter else { return outcome }
        if let split = recipe?.evaluationSplit {
            let rows = try evaluate(trainer: trainer, split: split)
            loop.reportSections.append((heading: "Evaluation on \(split)", rows: rows))
            for (key, value) in rows { log("  \(key): \(value)") }
        }
        for step in recipe?.inference ?? [] {
            let (input, output) = paths(of: step)
            let result = try InferenceStepResult.run(checkpoint: runFolder.appendingPathComponent("latest_net_G.safetensors"),
                                                     input: input, output: output,
                                                     colorize: options.model == .colorization, log: log)
            loop.reportSections.append((heading: "Inference: \(step.input) → \(step.output)", rows: result.rows))
            loop.reportGalleries.append((heading: "Inference samples: \(step.input) → \(step.output)", images: result.gallery))
        }
        try loop.writeReport()
        log("report: \(runFolder.appendingPathComponent("report.html").path)")
        return outcome
    }

    /// This rank's share of each global batch.
    var shard: BatchShard { BatchShard(rank: group.rank, count: group.size) }

    /// The loop of this run: its folder, interrupts, PNG samples, ranks and log.
    func makeLoop<T: Trainer, S: BatchSource>(trainer: T, source: S, options: TrainOptions? = nil) -> TrainingLoop<T, S> {
        let loop = TrainingLoop(trainer: trainer, source: source, options: options ?? self.options, runFolder: runFolder,
                                interrupts: interrupts, writeImage: Self.writePNG)
        loop.parallel = DataParallel(group: group)
        loop.weightCheckFrequency = self.options.syncCheckFreq
        loop.log = log
        return loop
    }

    /// Held-out evaluation rows for the report (or one row saying why there is none).
    func evaluate(trainer: Pix2PixTrainer, split: String) throws -> [(String, String)] {
        let folder = splitFolder(options.dataroot, split)
        guard folder != options.dataroot || split == "train" else {
            return [("result", "no \(split)/ folder in \(options.dataroot)")]
        }
        let data = DatasetOptions(training: options).forEvaluation(cropSize: options.cropSize)
        let dataset = try makePairDataset(options: options, split: split, data: data, diagnostics: DatasetDiagnostics())
        guard let evaluation = Evaluation.run(dataset: dataset, colorization: options.model == .colorization,
                                              translate: { trainer.translate($0) })
        else { return [("result", "no readable image in \(folder)")] }
        return evaluation.rows
    }

    /// A step's input (tried inside the dataset folder first) and output (inside the run folder
    /// unless absolute).
    public func paths(of step: Recipe.InferenceStep) -> (input: String, output: String) {
        var input = step.input
        if !input.hasPrefix("/") {
            let inDataset = (options.dataroot as NSString).appendingPathComponent(input)
            if FileManager.default.fileExists(atPath: inDataset) { input = inDataset }
        }
        let output = step.output.hasPrefix("/") ? step.output : runFolder.appendingPathComponent(step.output).path
        return (input, output)
    }

    /// Writes `[1, C, H, W]` in [-1, 1] (C = 1 or 3) as an 8-bit PNG.
    public static func writePNG(_ image: Tensor, _ url: URL) throws {
        try ImageEncoder.write(PixelTensor.pixels(from: image), to: url.path)
    }
}

/// How a run's training ended (evaluation and inference run only when it finished).
public enum RunOutcome: Equatable, Sendable {
    case finished, interrupted, stepLimit

    init<T, S>(_ outcome: TrainingLoop<T, S>.Outcome) {
        switch outcome {
        case .finished: self = .finished
        case .interrupted: self = .interrupted
        case .stepLimit: self = .stepLimit
        }
    }
}
