import Foundation
import Layers
import Networks

/// A bad option value or combination, from a flag or a recipe. The CLI reports it as a usage error (exit 2).
public struct OptionError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every training option, typed, with the reference's defaults (pytorch-CycleGAN-and-pix2pix
/// `options/*.py`, REFERENCE.md c1). Names, aliases, per-model defaults, the models that use each
/// option and its help live in one table, `TrainOptions.table` (TrainOptions+Table.swift); flags,
/// recipe keys, `train_opt.yaml`, checkpoint metadata and `translate train --help` all come from it.
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

    // Logging and checkpoints
    public var printFreq = 100
    public var displayFreq = 400
    public var saveLatestFreq = 5000
    public var saveEpochFreq = 5

    /// The reference's base defaults, before any model changes them.
    public init() {}

    /// The defaults of `model`: the base defaults with the model's changes from the table.
    public init(model: Model) {
        self.init()
        self.model = model
        for row in Self.table { row.applyDefault(&self, model) }
    }

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
        if printFreq < 1 || saveLatestFreq < 1 || saveEpochFreq < 1 || displayFreq < 1 {
            throw OptionError("--print-freq, --display-freq, --save-latest-freq and --save-epoch-freq must be at least 1")
        }
    }
}
