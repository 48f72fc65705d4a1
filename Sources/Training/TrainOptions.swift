import Foundation

/// A bad option value or combination, from a flag or a recipe.
public struct OptionError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every training option, with the reference's names (pytorch-CycleGAN-and-pix2pix
/// `options/*.py`, REFERENCE.md c1) and defaults. Values come from, in increasing priority: the
/// model's defaults, a recipe's `options:`, the command line. The run folder stores the resolved set.
public struct TrainOptions: Codable, Sendable, Equatable {
    public enum Model: String, Codable, CaseIterable, Sendable { case pix2pix, colorization, cycle_gan, srgan }

    // Run
    public var model: Model = .pix2pix
    public var name = "experiment_name"
    public var dataroot = ""
    public var checkpointsDir = "runs"
    public var seed: UInt64 = 0
    public var continueTrain = false
    public var strict = false

    // Networks
    public var inputNC = 3
    public var outputNC = 3
    public var ngf = 64
    public var ndf = 64
    public var netG = "resnet_9blocks"
    public var netD = "basic"
    public var nLayersD = 3
    public var norm = "instance"
    public var initType = "normal"
    public var initGain: Float = 0.02
    public var noDropout = false

    // Data
    public var datasetMode = "unaligned"
    public var direction = "AtoB"
    public var serialBatches = false
    public var numThreads = 2
    public var batchSize = 1
    public var loadSize = 286
    public var cropSize = 256
    public var maxDatasetSize = Int.max
    public var preprocess = "resize_and_crop"
    public var noFlip = false
    public var scale = 4

    // Optimization
    public var nEpochs = 100
    public var nEpochsDecay = 100
    public var epochCount = 1
    public var beta1: Float = 0.5
    public var lr: Float = 0.0002
    public var ganMode = "lsgan"
    public var poolSize = 50
    public var lrPolicy = "linear"
    public var lrDecayIters = 50
    public var lambdaL1: Float = 100
    public var lambdaA: Float = 10
    public var lambdaB: Float = 10
    public var lambdaIdentity: Float = 0.5
    public var maxSteps = 0
    /// The loss whose epoch mean drives `lr_policy plateau`; empty: the reference's constant metric 0.
    public var lrMonitor = ""
    /// Networks to start from a checkpoint: `PATH` (the first network, G) or `G=PATH,D=PATH`.
    public var initFrom = ""

    // Logging and checkpoints
    public var printFreq = 100
    public var displayFreq = 400
    public var saveLatestFreq = 5000
    public var saveEpochFreq = 5

    public init() {}

    /// The reference's model-specific defaults (`modify_commandline_options`).
    public init(model: Model) {
        self.init()
        self.model = model
        switch model {
        case .pix2pix:
            norm = "batch"; netG = "unet_256"; datasetMode = "aligned"; poolSize = 0; ganMode = "vanilla"
        case .colorization:
            norm = "batch"; netG = "unet_256"; datasetMode = "colorization"; poolSize = 0; ganMode = "vanilla"
            inputNC = 1; outputNC = 2; direction = "AtoB"
        case .cycle_gan:
            noDropout = true
        case .srgan:
            netG = "srresnet"; netD = "srgan"; norm = "batch"; datasetMode = "sr"; ganMode = "vanilla"
            cropSize = 96; loadSize = 96; preprocess = "crop"; beta1 = 0.9; lr = 1e-4; poolSize = 0
        }
    }

    /// Canonical key spelling: lowercase with underscores. `crop-size`, `crop_size` and `cropSize` all
    /// become `crop_size`; the reference's `netG`, `lambda_L1`, `n_layers_D` become `netg`, `lambda_l1`, `n_layers_d`.
    public static func canonicalKey(_ key: String) -> String {
        let plain = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if key.contains("_") || key.contains("-") || keys.contains(plain) || aliases[plain] != nil { return plain }
        // camelCase: split before each upper-case letter that follows a lower-case one.
        var result = ""
        var previousWasLower = false
        for ch in key {
            if ch.isUppercase && previousWasLower { result.append("_") }
            result.append(Character(ch.lowercased()))
            previousWasLower = ch.isLowercase
        }
        return result
    }

    /// Old names from the reference's history, mapped to current ones.
    static let aliases: [String: String] = [
        "which_model_netg": "netg", "which_direction": "direction", "batchsize": "batch_size",
        "loadsize": "load_size", "finesize": "crop_size", "niter": "n_epochs", "niter_decay": "n_epochs_decay",
        "resize_or_crop": "preprocess", "continue": "continue_train", "lambda_l_1": "lambda_l1",
    ]

    /// Every settable key in canonical spelling, in the order the resolved recipe lists them.
    public static let keys: [String] = [
        "model", "name", "dataroot", "checkpoints_dir", "seed", "continue_train", "strict",
        "input_nc", "output_nc", "ngf", "ndf", "netg", "netd", "n_layers_d", "norm", "init_type", "init_gain", "no_dropout",
        "dataset_mode", "direction", "serial_batches", "num_threads", "batch_size", "load_size", "crop_size",
        "max_dataset_size", "preprocess", "no_flip", "scale",
        "n_epochs", "n_epochs_decay", "epoch_count", "beta1", "lr", "gan_mode", "pool_size", "lr_policy", "lr_decay_iters",
        "lambda_l1", "lambda_a", "lambda_b", "lambda_identity", "max_steps",
        "lr_monitor", "init_from",
        "print_freq", "display_freq", "save_latest_freq", "save_epoch_freq",
    ]

    /// Sets one option from text (a flag value or a recipe entry).
    public mutating func set(_ rawKey: String, _ value: String) throws {
        let canonical = Self.canonicalKey(rawKey)
        let key = Self.aliases[canonical] ?? canonical
        func int() throws -> Int {
            if value == "inf" || value == "infinity" { return Int.max }
            guard let n = Int(value) else { throw OptionError("option \(rawKey): '\(value)' is not a whole number") }
            return n
        }
        func float() throws -> Float {
            guard let x = Float(value), x.isFinite else { throw OptionError("option \(rawKey): '\(value)' is not a number") }
            return x
        }
        func bool() throws -> Bool {
            switch value.lowercased() {
            case "true", "yes", "on", "1", "": return true
            case "false", "no", "off", "0": return false
            default: throw OptionError("option \(rawKey): '\(value)' is not true or false")
            }
        }
        func choice(_ allowed: [String]) throws -> String {
            guard allowed.contains(value) else {
                throw OptionError("option \(rawKey): '\(value)' is not one of \(allowed.joined(separator: ", "))")
            }
            return value
        }
        switch key {
        case "model":
            guard let m = Model(rawValue: value == "cyclegan" ? "cycle_gan" : value) else {
                throw OptionError("option model: '\(value)' is not one of \(Model.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            model = m
        case "name": name = value
        case "dataroot": dataroot = value
        case "checkpoints_dir": checkpointsDir = value
        case "seed":
            guard let s = UInt64(value) else { throw OptionError("option seed: '\(value)' is not a non-negative whole number") }
            seed = s
        case "continue_train": continueTrain = try bool()
        case "strict": strict = try bool()
        case "input_nc": inputNC = try int()
        case "output_nc": outputNC = try int()
        case "ngf": ngf = try int()
        case "ndf": ndf = try int()
        case "netg": netG = value
        case "netd": netD = value
        case "n_layers_d": nLayersD = try int()
        case "norm": norm = try choice(["instance", "batch", "none"])
        case "init_type": initType = try choice(["normal", "xavier", "kaiming", "orthogonal"])
        case "init_gain": initGain = try float()
        case "no_dropout": noDropout = try bool()
        case "dataset_mode": datasetMode = try choice(["aligned", "unaligned", "single", "colorization", "sr"])
        case "direction": direction = try choice(["AtoB", "BtoA"])
        case "serial_batches": serialBatches = try bool()
        case "num_threads": numThreads = try int()
        case "batch_size": batchSize = try int()
        case "load_size": loadSize = try int()
        case "crop_size": cropSize = try int()
        case "max_dataset_size": maxDatasetSize = try int()
        case "preprocess": preprocess = try choice(["resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none"])
        case "no_flip": noFlip = try bool()
        case "scale": scale = try int()
        case "n_epochs": nEpochs = try int()
        case "n_epochs_decay": nEpochsDecay = try int()
        case "epoch_count": epochCount = try int()
        case "beta1": beta1 = try float()
        case "lr": lr = try float()
        case "gan_mode": ganMode = try choice(["vanilla", "lsgan"])
        case "pool_size": poolSize = try int()
        case "lr_policy": lrPolicy = try choice(LearningRatePolicy.allCases.map(\.rawValue))
        case "lr_decay_iters": lrDecayIters = try int()
        case "lambda_l1": lambdaL1 = try float()
        case "lambda_a": lambdaA = try float()
        case "lambda_b": lambdaB = try float()
        case "lambda_identity": lambdaIdentity = try float()
        case "max_steps": maxSteps = try int()
        case "lr_monitor": lrMonitor = value
        case "init_from": initFrom = value
        case "print_freq": printFreq = try int()
        case "display_freq": displayFreq = try int()
        case "save_latest_freq": saveLatestFreq = try int()
        case "save_epoch_freq": saveEpochFreq = try int()
        default:
            throw OptionError("unknown option '\(rawKey)' (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    /// The value of one option as text, for the resolved recipe.
    public func value(of key: String) -> String {
        switch key {
        case "model": return model.rawValue
        case "name": return name
        case "dataroot": return dataroot
        case "checkpoints_dir": return checkpointsDir
        case "seed": return String(seed)
        case "continue_train": return String(continueTrain)
        case "strict": return String(strict)
        case "input_nc": return String(inputNC)
        case "output_nc": return String(outputNC)
        case "ngf": return String(ngf)
        case "ndf": return String(ndf)
        case "netg": return netG
        case "netd": return netD
        case "n_layers_d": return String(nLayersD)
        case "norm": return norm
        case "init_type": return initType
        case "init_gain": return String(initGain)
        case "no_dropout": return String(noDropout)
        case "dataset_mode": return datasetMode
        case "direction": return direction
        case "serial_batches": return String(serialBatches)
        case "num_threads": return String(numThreads)
        case "batch_size": return String(batchSize)
        case "load_size": return String(loadSize)
        case "crop_size": return String(cropSize)
        case "max_dataset_size": return maxDatasetSize == Int.max ? "inf" : String(maxDatasetSize)
        case "preprocess": return preprocess
        case "no_flip": return String(noFlip)
        case "scale": return String(scale)
        case "n_epochs": return String(nEpochs)
        case "n_epochs_decay": return String(nEpochsDecay)
        case "epoch_count": return String(epochCount)
        case "beta1": return String(beta1)
        case "lr": return String(lr)
        case "gan_mode": return ganMode
        case "pool_size": return String(poolSize)
        case "lr_policy": return lrPolicy
        case "lr_decay_iters": return String(lrDecayIters)
        case "lambda_l1": return String(lambdaL1)
        case "lambda_a": return String(lambdaA)
        case "lambda_b": return String(lambdaB)
        case "lambda_identity": return String(lambdaIdentity)
        case "max_steps": return String(maxSteps)
        case "lr_monitor": return lrMonitor
        case "init_from": return initFrom
        case "print_freq": return String(printFreq)
        case "display_freq": return String(displayFreq)
        case "save_latest_freq": return String(saveLatestFreq)
        case "save_epoch_freq": return String(saveEpochFreq)
        default: return ""
        }
    }

    /// Every option as (key, text), in `keys` order.
    public var resolvedPairs: [(key: String, value: String)] { Self.keys.map { ($0, value(of: $0)) } }

    /// Checks combinations the reference would fail on late or silently mis-handle.
    public func validate() throws {
        if dataroot.isEmpty { throw OptionError("--dataroot is required (a folder in the \(datasetMode) layout)") }
        if batchSize < 1 { throw OptionError("--batch-size must be at least 1, got \(batchSize)") }
        if cropSize < 1 || loadSize < 1 { throw OptionError("--crop-size and --load-size must be positive") }
        if preprocess.contains("crop") && preprocess != "crop" && cropSize > loadSize {
            throw OptionError("--crop-size (\(cropSize)) must not exceed --load-size (\(loadSize)) with --preprocess \(preprocess)")
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
        if netG.hasPrefix("unet") && norm == "instance" && batchSize == 1 {
            // Allowed (the reference allows it); nothing to check.
        }
        if printFreq < 1 || saveLatestFreq < 1 || saveEpochFreq < 1 || displayFreq < 1 {
            throw OptionError("--print-freq, --display-freq, --save-latest-freq and --save-epoch-freq must be at least 1")
        }
    }
}
