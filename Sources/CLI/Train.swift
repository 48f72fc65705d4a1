import ArgumentParser
import Foundation
import Training

extension Tool {
    /// `translate train`: trains from a recipe in pipelines/ or from flags with the reference names.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a model (pix2pix, colorization) from a recipe or from flags.",
            discussion: """
            With a RECIPE (a name in pipelines/ such as labels2scenes, or a path to a .yaml file) the recipe's \
            dataset, model and options are used; flags override recipe keys. Without one, --dataroot is required. \
            Option names follow pytorch-CycleGAN-and-pix2pix in kebab-case (--netG, --crop-size, --lambda-L1, …). \
            A run folder <checkpoints-dir>/<name>/ receives checkpoints, loss_log.jsonl, train_opt.yaml and \
            report.html. Rerunning the same command resumes from its latest checkpoint; Ctrl-C saves and stops.
            """)

        @Argument(help: "A recipe name in pipelines/ or a path to a recipe .yaml file.")
        var recipe: String?

        @OptionGroup var shared: SharedOptions

        // MARK: Run
        @Option(help: "pix2pix | colorization (the reference's --model).") var model: String?
        @Option(help: "Dataset folder in the layout of --dataset-mode.") var dataroot: String?
        @Option(help: "Run name: the run folder is <checkpoints-dir>/<name>.") var name: String?
        @Option(help: "Folder of run folders (default: runs).") var checkpointsDir: String?
        @Flag(name: .customLong("continue"), help: "Resume; fail if the run folder has no checkpoint (the reference's --continue_train).")
        var continueTrain = false
        @Flag(help: "Stop at the first unreadable or damaged image instead of skipping it.") var strict = false

        // MARK: Networks
        @Option(name: .customLong("netG"), help: "unet_256 | unet_128 | resnet_9blocks | resnet_6blocks") var netG: String?
        @Option(name: .customLong("netD"), help: "basic | n_layers | pixel") var netD: String?
        @Option(help: "Generator filters in the last conv layer (reference: ngf).") var ngf: Int?
        @Option(help: "Discriminator filters in the first conv layer (reference: ndf).") var ndf: Int?
        @Option(name: .customLong("n-layers-D"), help: "Layers of the n_layers discriminator.") var nLayersD: Int?
        @Option(help: "instance | batch | none") var norm: String?
        @Option(help: "normal | xavier | kaiming | orthogonal") var initType: String?
        @Option(help: "Scale of the initial weights.") var initGain: Float?
        @Flag(help: "No dropout in the generator.") var noDropout = false
        @Option(help: "Input channels.") var inputNC: Int?
        @Option(help: "Output channels.") var outputNC: Int?

        // MARK: Data
        @Option(help: "aligned | colorization (and, later, unaligned | single | sr)") var datasetMode: String?
        @Option(help: "AtoB | BtoA") var direction: String?
        @Option(help: "resize_and_crop | crop | scale_width | scale_width_and_crop | none") var preprocess: String?
        @Option(help: "Scale images to this size first.") var loadSize: Int?
        @Option(help: "Then crop to this size.") var cropSize: Int?
        @Option(help: "Images per batch.") var batchSize: Int?
        @Option(help: "Use at most this many images.") var maxDatasetSize: Int?
        @Flag(help: "Do not flip images horizontally for augmentation.") var noFlip = false
        @Flag(help: "Take images in order instead of shuffling.") var serialBatches = false
        @Option(help: "Image decoding threads.") var numThreads: Int?

        // MARK: Optimization
        @Option(help: "Epochs at the initial learning rate.") var nEpochs: Int?
        @Option(help: "Epochs of linear decay to zero.") var nEpochsDecay: Int?
        @Option(help: "Number of the first epoch (for resumed reference runs).") var epochCount: Int?
        @Option(help: "Initial learning rate of Adam.") var lr: Float?
        @Option(help: "Adam β1.") var beta1: Float?
        @Option(help: "vanilla | lsgan") var ganMode: String?
        @Option(help: "linear | step | plateau | cosine") var lrPolicy: String?
        @Option(help: "Epochs between ×0.1 steps of the step policy.") var lrDecayIters: Int?
        @Option(name: .customLong("lambda-L1"), help: "Weight of the L1 loss (pix2pix).") var lambdaL1: Float?
        @Option(help: "Stop after this many iterations in total (0: no limit).") var maxSteps: Int?
        @Option(help: "Loss whose epoch mean drives --lr-policy plateau (default: the reference's constant metric 0).") var lrMonitor: String?
        @Option(help: "Start networks from checkpoints: PATH (G) or G=PATH,D=PATH.") var initFrom: String?

        // MARK: Logging
        @Option(help: "Iterations between loss log lines.") var printFreq: Int?
        @Option(help: "Iterations between saves of the latest checkpoint.") var saveLatestFreq: Int?
        @Option(help: "Epochs between numbered checkpoints.") var saveEpochFreq: Int?

        /// The explicitly given flags as (canonical key, value).
        var overrides: [(key: String, value: String)] {
            var result: [(String, String)] = []
            func add(_ key: String, _ value: CustomStringConvertible?) { if let value { result.append((key, value.description)) } }
            add("model", model); add("dataroot", dataroot); add("name", name); add("checkpoints_dir", checkpointsDir)
            add("seed", shared.seed)
            if continueTrain { add("continue_train", true) }
            if strict { add("strict", true) }
            add("netg", netG); add("netd", netD); add("ngf", ngf); add("ndf", ndf); add("n_layers_d", nLayersD)
            add("norm", norm); add("init_type", initType); add("init_gain", initGain)
            if noDropout { add("no_dropout", true) }
            add("input_nc", inputNC); add("output_nc", outputNC)
            add("dataset_mode", datasetMode); add("direction", direction); add("preprocess", preprocess)
            add("load_size", loadSize); add("crop_size", cropSize); add("batch_size", batchSize)
            add("max_dataset_size", maxDatasetSize)
            if noFlip { add("no_flip", true) }
            if serialBatches { add("serial_batches", true) }
            add("num_threads", numThreads)
            add("n_epochs", nEpochs); add("n_epochs_decay", nEpochsDecay); add("epoch_count", epochCount)
            add("lr", lr); add("beta1", beta1); add("gan_mode", ganMode); add("lr_policy", lrPolicy)
            add("lr_decay_iters", lrDecayIters); add("lambda_l1", lambdaL1); add("max_steps", maxSteps)
            add("lr_monitor", lrMonitor); add("init_from", initFrom)
            add("print_freq", printFreq); add("save_latest_freq", saveLatestFreq); add("save_epoch_freq", saveEpochFreq)
            return result
        }

        /// Resolves options from the recipe and flags; usage problems become `ValidationError` (exit 2).
        func resolve() throws -> (options: TrainOptions, recipe: Recipe?) {
            do {
                if let recipe {
                    let loaded = try Recipe.load(recipe, searchFolders: RecipeLocations.folders)
                    let datasetRoot = RecipeLocations.resolve(loaded.dataset, relativeTo: loaded.source)
                    var options = try loaded.resolve(overrides: overrides, datasetRoot: datasetRoot)
                    if dataroot != nil { options.dataroot = dataroot! }
                    try options.validate()
                    return (options, loaded)
                }
                var options = TrainOptions(model: TrainOptions.Model(rawValue: model ?? "pix2pix") ?? .pix2pix)
                for (key, value) in overrides { try options.set(key, value) }
                try options.validate()
                return (options, nil)
            } catch let error as OptionError {
                throw ValidationError(error.message)
            }
        }

        func run() throws {
            shared.apply()
            let (options, recipe) = try resolve()
            try TrainingRun(options: options, recipe: recipe).execute()
        }
    }
}

/// Where recipes and the paths inside them are looked up.
enum RecipeLocations {
    /// `./pipelines`, then the `pipelines` folder of the checkout the binary was built in
    /// (`<repo>/.build/<config>/translate` → `<repo>/pipelines`).
    static var folders: [URL] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var result = [cwd.appendingPathComponent("pipelines")]
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("pipelines")
            if candidate.path != result[0].path && FileManager.default.fileExists(atPath: candidate.path) {
                result.append(candidate)
                break
            }
            folder = folder.deletingLastPathComponent()
        }
        return result
    }

    /// A path from a recipe: absolute, else relative to the current folder if it exists there, else
    /// relative to the folder above the recipe's `pipelines/` folder (the repository root).
    static func resolve(_ path: String, relativeTo recipe: URL?) -> String {
        if path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) { return path }
        if let recipe {
            let root = recipe.deletingLastPathComponent().deletingLastPathComponent()
            let candidate = root.appendingPathComponent(path).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return path
    }
}
