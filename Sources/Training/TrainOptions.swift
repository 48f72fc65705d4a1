import Foundation
import Layers
import Networks
import Tensors

/// A bad option value or combination, from a flag or a recipe. The CLI reports it as a usage error (exit 2).
public struct OptionError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every training option, typed, with the reference's defaults (pytorch-CycleGAN-and-pix2pix
/// `options/*.py`, REFERENCE.md c1). Names, aliases, per-model defaults, the models that use each
/// option and its help live in one table, `TrainOptions.table` below; flags, recipe keys,
/// `train_opt.yaml`, checkpoint metadata, validation of values and `translate train --help` all come
/// from it.
///
/// Adding an option: a stored property below (its type and base default) and its row in `table`
/// (name, aliases, models, per-model defaults, help), in this file; nothing else. A test fails when a
/// property has no row.
/// Values come from, in increasing priority: the model's defaults, a recipe's `options:`, the command
/// line (`TrainOptions.resolve`).
///
/// The initial values below are the reference's base defaults (`base_options.py`, `train_options.py`);
/// the table's rows give each model's changes to them (`modify_commandline_options`).
public struct TrainOptions: Codable, Sendable, Equatable {
    /// The trainer: the reference's `--model`.
    public enum Model: String, Codable, CaseIterable, Sendable { case pix2pix, colorization, cycle_gan, srgan }
    /// Which folder side is the input (`--direction`, [`--which_direction`]).
    public enum Direction: String, Codable, CaseIterable, Sendable { case AtoB, BtoA }
    /// Resizing and cropping at load time (`--preprocess`, [`--resize_or_crop`]).
    public enum Preprocess: String, Codable, CaseIterable, Sendable {
        case resizeAndCrop = "resize_and_crop", crop, scaleWidth = "scale_width"
        case scaleWidthAndCrop = "scale_width_and_crop", none
    }
    /// The dataset layout (`--dataset_mode`); each model trains on one.
    public enum DatasetMode: String, Codable, CaseIterable, Sendable { case aligned, unaligned, single, colorization, sr }
    /// The weight initialization (`--init_type`), scaled by `--init_gain`.
    /// A distance between images or feature maps (`--pixel-loss`, `--vgg-criterion`).
    public enum Criterion: String, Codable, CaseIterable, Sendable {
        case mse, l1

        /// The mean distance of `prediction` from `target`.
        public func loss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
            self == .mse ? prediction.mseLoss(target) : prediction.l1Loss(target)
        }
    }
    public enum InitType: String, Codable, CaseIterable, Sendable {
        case normal, xavier, kaiming, orthogonal

        /// The scheme with `gain`.
        public func scheme(gain: Float) -> WeightInitialization {
            switch self {
            case .normal: return .normal(gain: gain)
            case .xavier: return .xavier(gain: gain)
            case .kaiming: return .kaiming(gain: gain)
            case .orthogonal: return .orthogonal(gain: gain)
            }
        }
    }

    // Run
    public var model: Model = .pix2pix
    public var name = "experiment_name"
    public var dataroot = ""
    public var checkpointsDir = "runs"
    public var seed: UInt64 = 0
    public var continueTrain = false
    public var strict = false
    public var initFrom = ""

    // Networks
    public var inputNC = 3
    public var outputNC = 3
    public var ngf = 64
    public var ndf = 64
    public var netG: GeneratorKind = .resnet9
    public var netD: DiscriminatorKind = .basic
    public var nLayersD = 3
    public var norm: NormKind = .instance
    public var initType: InitType = .normal
    public var initGain: Float = 0.02
    public var noDropout = false

    // Data
    public var datasetMode: DatasetMode = .unaligned
    public var direction: Direction = .AtoB
    public var serialBatches = false
    public var numThreads = 2
    public var batchSize = 1
    public var loadSize = 286
    public var cropSize = 256
    public var maxDatasetSize = Int.max
    public var preprocess: Preprocess = .resizeAndCrop
    public var noFlip = false
    public var scale = 4

    // Optimization
    public var nEpochs = 100
    public var nEpochsDecay = 100
    public var epochCount = 1
    public var beta1: Float = 0.5
    public var lr: Float = 0.0002
    public var ganMode: GANMode = .lsgan
    public var poolSize = 50
    public var lrPolicy: LearningRatePolicy = .linear
    public var lrDecayIters = 50
    public var lrMonitor = ""
    public var lambdaL1: Float = 100
    public var lambdaA: Float = 10
    public var lambdaB: Float = 10
    public var lambdaIdentity: Float = 0.5
    public var maxSteps = 0
    // SRGAN (Ledig et al. 2017)
    public var pretrainIters = 1_000_000
    public var ganIters = 200_000
    public var pixelLoss: Criterion = .mse
    public var vggWeights = ""
    public var vggLayer = "relu5_4"
    public var vggCriterion: Criterion = .mse
    public var vggRescale: Float = 1 / 12.75
    public var vggWeight: Float = 1
    public var lambdaAdv: Float = 1e-3
    public var emaDecay: Float = 0
    public var valFreq = 0

    // Logging and checkpoints
    public var printFreq = 100
    public var displayFreq = 400
    public var saveLatestFreq = 5000
    public var saveEpochFreq = 5
    public var syncCheckFreq = 100

    /// The reference's base defaults, before any model changes them.
    public init() {}

    /// The defaults of `model`: the base defaults with the model's changes from the table.
    public init(model: Model) {
        self.init()
        self.model = model
        for row in Self.table { row.applyDefault(&self, model) }
    }

    // MARK: - The options table

    /// Every training option, in the order `train_opt.yaml` and `--help` list them.
    public static let table: [OptionSpec] = {
        let pix2pixLike: [Model] = [.pix2pix, .colorization]
        let withDropout: [Model] = [.pix2pix, .colorization, .cycle_gan]
        let patchGAN: [Model] = [.pix2pix, .colorization, .cycle_gan]
        return [
            // Run
            OptionSpec("model", \.model, section: "Run", help: "The trainer (cycle_gan also as cyclegan, CycleGAN)."),
            OptionSpec("name", \.name, section: "Run", help: "Run name: the run folder is <checkpoints_dir>/<name>."),
            OptionSpec("dataroot", \.dataroot, section: "Run", help: "Dataset folder in the layout of dataset_mode."),
            OptionSpec("checkpoints_dir", \.checkpointsDir, section: "Run", help: "Folder of run folders."),
            OptionSpec("seed", \.seed, section: "Run",
                       help: "Random seed; the same seed and thread count give the same run."),
            OptionSpec("continue_train", \.continueTrain, section: "Run", aliases: ["continue"],
                       help: "Resume; fail if the run folder has no checkpoint (also --continue)."),
            OptionSpec("strict", \.strict, section: "Run",
                       help: "Stop at the first unreadable or damaged image instead of skipping it."),
            OptionSpec("init_from", \.initFrom, section: "Run",
                       help: "Networks to start from a checkpoint: PATH (the first network, G, e.g. a pre-trained "
                           + "SRResNet) or G=PATH,D=PATH; empty: random init."),
            // Networks
            OptionSpec("input_nc", \.inputNC, section: "Networks", defaults: [.colorization: 1], help: "Input channels."),
            OptionSpec("output_nc", \.outputNC, section: "Networks", defaults: [.colorization: 2], help: "Output channels."),
            OptionSpec("ngf", \.ngf, section: "Networks", help: "Generator filters in the last conv layer."),
            OptionSpec("ndf", \.ndf, section: "Networks", help: "Discriminator filters in the first conv layer."),
            OptionSpec("netG", \.netG, section: "Networks", aliases: ["which_model_netG"],
                       defaults: [.pix2pix: .unet256, .colorization: .unet256, .srgan: .srresnet],
                       help: "Generator architecture."),
            OptionSpec("netD", \.netD, section: "Networks", aliases: ["which_model_netD"], defaults: [.srgan: .srgan],
                       help: "Discriminator architecture."),
            OptionSpec("n_layers_D", \.nLayersD, section: "Networks", models: patchGAN,
                       help: "Layers of the n_layers discriminator."),
            OptionSpec("norm", \.norm, section: "Networks",
                       defaults: [.pix2pix: .batch, .colorization: .batch, .srgan: .batch],
                       help: "Normalization after each convolution."),
            OptionSpec("init_type", \.initType, section: "Networks", help: "Weight initialization."),
            OptionSpec("init_gain", \.initGain, section: "Networks", help: "Scale of the initial weights."),
            OptionSpec("no_dropout", \.noDropout, section: "Networks", models: withDropout, defaults: [.cycle_gan: true],
                       help: "No dropout in the generator."),
            // Data
            OptionSpec("dataset_mode", \.datasetMode, section: "Data",
                       defaults: [.pix2pix: .aligned, .colorization: .colorization, .srgan: .sr],
                       help: "Dataset layout; each model trains on its own."),
            OptionSpec("direction", \.direction, section: "Data", aliases: ["which_direction"], models: [.pix2pix, .cycle_gan],
                       help: "Which side of a pair is the input."),
            OptionSpec("serial_batches", \.serialBatches, section: "Data", help: "Take images in order instead of shuffling."),
            OptionSpec("num_threads", \.numThreads, section: "Data", aliases: ["nThreads"], help: "Image decoding threads."),
            OptionSpec("batch_size", \.batchSize, section: "Data", help: "Images per batch."),
            OptionSpec("load_size", \.loadSize, section: "Data", defaults: [.srgan: 96],
                       help: "Scale images to this size first."),
            OptionSpec("crop_size", \.cropSize, section: "Data", aliases: ["fineSize"], defaults: [.srgan: 96],
                       help: "Then crop to this size (for srgan: the high-resolution patch)."),
            OptionSpec("max_dataset_size", \.maxDatasetSize, section: "Data", help: "Use at most this many images (inf: all)."),
            OptionSpec("preprocess", \.preprocess, section: "Data", aliases: ["resize_or_crop"], defaults: [.srgan: .crop],
                       help: "Resizing and cropping at load time."),
            OptionSpec("no_flip", \.noFlip, section: "Data", help: "Do not flip images horizontally for augmentation."),
            OptionSpec("scale", \.scale, section: "Data", models: [.srgan], help: "Upscaling factor."),
            // Optimization
            OptionSpec("n_epochs", \.nEpochs, section: "Optimization", aliases: ["niter"],
                       help: "Epochs at the initial learning rate."),
            OptionSpec("n_epochs_decay", \.nEpochsDecay, section: "Optimization", aliases: ["niter_decay"],
                       help: "Epochs of linear decay to zero."),
            OptionSpec("epoch_count", \.epochCount, section: "Optimization",
                       help: "Number of the first epoch (for resumed reference runs)."),
            OptionSpec("beta1", \.beta1, section: "Optimization", defaults: [.srgan: 0.9], help: "Adam β1."),
            OptionSpec("lr", \.lr, section: "Optimization", defaults: [.srgan: 1e-4], help: "Initial learning rate of Adam."),
            OptionSpec("gan_mode", \.ganMode, section: "Optimization",
                       defaults: [.pix2pix: .vanilla, .colorization: .vanilla, .srgan: .vanilla],
                       help: "Adversarial loss (BCE or least squares)."),
            OptionSpec("pool_size", \.poolSize, section: "Optimization", models: [.cycle_gan],
                       defaults: [.pix2pix: 0, .colorization: 0, .srgan: 0],
                       help: "Generated images kept to train D on (0: none)."),
            OptionSpec("lr_policy", \.lrPolicy, section: "Optimization", help: "Learning-rate schedule."),
            OptionSpec("lr_decay_iters", \.lrDecayIters, section: "Optimization",
                       help: "Epochs between ×0.1 steps of the step policy."),
            OptionSpec("lr_monitor", \.lrMonitor, section: "Optimization",
                       help: "The loss whose epoch mean drives lr_policy plateau (e.g. G_L1); empty: the reference's "
                           + "behaviour (a constant metric 0)."),
            OptionSpec("lambda_L1", \.lambdaL1, section: "Optimization", models: pix2pixLike, help: "Weight of the L1 loss."),
            OptionSpec("lambda_A", \.lambdaA, section: "Optimization", models: [.cycle_gan],
                       help: "Weight of the cycle loss A → B → A."),
            OptionSpec("lambda_B", \.lambdaB, section: "Optimization", models: [.cycle_gan],
                       help: "Weight of the cycle loss B → A → B."),
            OptionSpec("lambda_identity", \.lambdaIdentity, section: "Optimization", models: [.cycle_gan],
                       help: "Weight of the identity loss, relative to lambda_A/lambda_B (0: none)."),
            OptionSpec("max_steps", \.maxSteps, section: "Optimization",
                       help: "Stop after this many iterations in total (0: no limit)."),
            // SRGAN
            OptionSpec("pretrain_iters", \.pretrainIters, section: "SRGAN", models: [.srgan],
                       help: "Iterations of phase 1 (SRResNet on the pixel loss; 0: start with the GAN phase)."),
            OptionSpec("gan_iters", \.ganIters, section: "SRGAN", models: [.srgan],
                       help: "Iterations of phase 2 (VGG content + adversarial loss; lr ×0.1 at its midpoint; 0: none)."),
            OptionSpec("pixel_loss", \.pixelLoss, section: "SRGAN", models: [.srgan], help: "Phase 1 loss on pixels."),
            OptionSpec("vgg_weights", \.vggWeights, section: "SRGAN", models: [.srgan],
                       help: "VGG19 weights for the content loss: a checkpoint from `translate convert vgg19-dcbb9e9d.pth "
                           + "--netF vgg19`, or torchvision's .pth itself (needed when gan_iters > 0)."),
            OptionSpec("vgg_layer", \.vggLayer, section: "SRGAN", models: [.srgan],
                       help: "VGG19 layer of the content loss: reluI_J (after the activation) or convI_J (before it)."),
            OptionSpec("vgg_criterion", \.vggCriterion, section: "SRGAN", models: [.srgan],
                       help: "Distance between the VGG feature maps."),
            OptionSpec("vgg_rescale", \.vggRescale, section: "SRGAN", models: [.srgan],
                       help: "Factor on the feature maps before the distance (the paper's 1/12.75: MSE × 1/12.75² ≈ 0.006)."),
            OptionSpec("vgg_weight", \.vggWeight, section: "SRGAN", models: [.srgan], help: "Weight of the content loss."),
            OptionSpec("lambda_adv", \.lambdaAdv, section: "SRGAN", models: [.srgan],
                       help: "Weight of the adversarial loss −log D(G(LR))."),
            OptionSpec("ema_decay", \.emaDecay, section: "SRGAN", models: [.srgan],
                       help: "Decay of an exponential moving average of G's weights saved as its inference weights "
                           + "(0: off; 0.999 typical)."),
            OptionSpec("val_freq", \.valFreq, section: "SRGAN", models: [.srgan],
                       help: "Iterations between PSNR/SSIM validations on val/ (or test/), logged as val_PSNR_Y and "
                           + "val_SSIM_Y (in the loss log when a multiple of print_freq), the best G kept as best_net_G (0: only at the end)."),
            // Logging
            OptionSpec("print_freq", \.printFreq, section: "Logging", help: "Iterations between loss log lines."),
            OptionSpec("display_freq", \.displayFreq, section: "Logging", help: "Iterations between sample images."),
            OptionSpec("save_latest_freq", \.saveLatestFreq, section: "Logging",
                       help: "Iterations between saves of the latest checkpoint."),
            OptionSpec("save_epoch_freq", \.saveEpochFreq, section: "Logging", help: "Epochs between numbered checkpoints."),
            // Data parallel
            OptionSpec("sync_check_freq", \.syncCheckFreq, section: "Data parallel (mpirun -np N translate train …)",
                       help: "Iterations between checks that every rank holds the same weights (a mismatch stops the run). "
                           + "Each rank takes --batch-size images of every global batch of N × batch_size; gradients and "
                           + "logged losses are averaged over the ranks. Batch norm keeps per-rank statistics and image "
                           + "pools are per rank; rank 0 writes the run folder."),
        ]
    }()

    // MARK: - Validation

    /// Checks combinations the reference would fail on late or silently mis-handle.
    public func validate() throws {
        if dataroot.isEmpty { throw OptionError("--dataroot is required (a folder in the \(datasetMode.rawValue) layout)") }
        let expectedMode = TrainOptions(model: model).datasetMode
        if datasetMode != expectedMode {
            throw OptionError("--dataset-mode \(datasetMode.rawValue): \(model.rawValue) trains on dataset_mode \(expectedMode.rawValue)")
        }
        if batchSize < 1 { throw OptionError("--batch-size must be at least 1, got \(batchSize)") }
        if cropSize < 1 || loadSize < 1 { throw OptionError("--crop-size and --load-size must be positive") }
        if [.resizeAndCrop, .scaleWidthAndCrop].contains(preprocess) && cropSize > loadSize {
            throw OptionError("--crop-size (\(cropSize)) must not exceed --load-size (\(loadSize)) with --preprocess \(preprocess.rawValue)")
        }
        if nEpochs < 0 || nEpochsDecay < 0 || nEpochs + nEpochsDecay < 1 {
            throw OptionError("--n-epochs + --n-epochs-decay must be at least 1 (got \(nEpochs) + \(nEpochsDecay))")
        }
        if lr <= 0 { throw OptionError("--lr must be positive, got \(lr)") }
        if model == .colorization && (inputNC != 1 || outputNC != 2) {
            throw OptionError("colorization maps L to ab: --input-nc must be 1 and --output-nc 2 (got \(inputNC), \(outputNC))")
        }
        if model == .cycle_gan && lambdaIdentity > 0 && inputNC != outputNC {
            throw OptionError("the identity loss needs --input-nc == --output-nc (got \(inputNC), \(outputNC)); set --lambda-identity 0")
        }
        if printFreq < 1 || saveLatestFreq < 1 || saveEpochFreq < 1 || displayFreq < 1 || syncCheckFreq < 1 {
            throw OptionError("--print-freq, --display-freq, --save-latest-freq, --save-epoch-freq and --sync-check-freq must be at least 1")
        }
    }
}
