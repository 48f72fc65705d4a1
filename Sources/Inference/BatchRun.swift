import Console
import Foundation
import Kernels
import Layers
import Networks

/// The settings of one batch translation besides the transform: the file-tool flags of
/// `translate apply` and `translate colorize`, with their defaults.
public struct BatchRunSettings: Sendable {
    /// Naming, format, skipping and metadata of the outputs.
    public var output = OutputOptions()
    /// Images in the network at once (nil: one per thread, or all threads for a single image).
    public var jobs: Int?
    /// Largest tile side; 0 never tiles (nil: derived from the memory budget).
    public var tile: Int?
    /// Pixels shared by neighbouring tiles (nil: the runner's default).
    public var tileOverlap: Int?
    /// Bytes for activations and the block cache (nil: `MemoryBudget.defaultBudget`).
    public var maxMemory: Int?
    /// Most same-size small images run through the network together.
    public var maxBatch = 8
    /// Images above this many megapixels fail before decoding.
    public var maxMegapixels = 100.0
    /// Translate damaged JPEGs as decoded instead of failing them.
    public var allowDamaged = false
    /// No progress bar or lines; failures and the summary are still logged.
    public var quiet = false

    public init() {}
}

/// Plans, runs and reports the translation of an image or a folder tree: what `translate apply`,
/// `translate colorize` and a recipe's inference steps do.
public enum BatchRun {
    /// Runs `network` with `transform` over `input` into `output`.
    /// - Parameters:
    ///   - label: the progress label ("apply", "colorize").
    ///   - log: plain lines (header, failures, recap); the summary is returned, not logged.
    /// - Throws: `InferenceError` when the input or output cannot be planned (missing input, …).
    ///   Failed images do not throw: they are in the summary.
    public static func run(input: String, output: String, spec: NetworkSpec, network: any Layer,
                           transform: ImageTransform, settings: BatchRunSettings = BatchRunSettings(),
                           label: String, log: @escaping (String) -> Void) throws -> BatchSummary {
        try run(input: input, output: output, model: (spec, network), transform: transform, settings: settings,
                label: label, log: log)
    }

    /// Runs `model` (nil: no network, for `ImageTransform.resampling`) with `transform` over `input`
    /// into `output`; otherwise as `run(input:output:spec:network:…)`.
    public static func run(input: String, output: String, model: (spec: NetworkSpec, network: any Layer)?,
                           transform: ImageTransform, settings: BatchRunSettings = BatchRunSettings(),
                           label: String, log: @escaping (String) -> Void) throws -> BatchSummary {
        let plan = try FilePlan.make(input: input, output: output, options: settings.output)
        let pendingCount = plan.pending.count
        let threads = Parallel.threadCount
        // One image per thread for folders, so each image's arithmetic (one thread) does not depend on
        // how many images are left: a resumed run writes the same bytes as an uninterrupted one.
        // A single image gets every thread.
        var isDirectory: ObjCBool = false
        let inputIsFolder = FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) && isDirectory.boolValue
        let singleImage = plan.files.count == 1 && !inputIsFolder
        let jobs = settings.jobs ?? (singleImage ? 1 : threads)
        // Workers split the cores: each image runs its kernels on threads / jobs threads (restored
        // afterwards, for callers such as `train` that run this in-process).
        Parallel.setThreadCount(max(1, threads / jobs))
        defer { Parallel.setThreadCount(threads) }
        // Three quarters of the budget for activations (tile size, batching), a quarter to keep freed
        // activations for reuse (BlockCache).
        let budget = settings.maxMemory ?? MemoryBudget.defaultBudget
        let activationBudget = budget / 4 * 3
        let runner = model.map { spec, network in
            let tileSize = settings.tile ?? MemoryBudget.tileSize(budget: activationBudget, spec: spec, workers: jobs)
            return GeneratorRunner(spec: spec, network: network, tileSize: tileSize, overlap: settings.tileOverlap)
        }
        let options = BatchOptions(jobs: jobs, maxBatch: settings.maxBatch, memoryBudget: activationBudget,
                                   maxPixels: Int(settings.maxMegapixels * 1_000_000), allowDamaged: settings.allowDamaged,
                                   blockCacheBytes: budget - activationBudget)
        let engine = BatchEngine(transform: transform, runner: runner, output: settings.output, options: options)

        let what = model.map { "\($0.spec)" } ?? "\(transform.resampling?.rawValue ?? "resampling") resampling"
        var header = "\(what)\(transform.preprocessing.direction.map { ", \($0)" } ?? ""): "
            + "\(pendingCount) to translate, \(plan.files.filter { $0.action == .upToDate }.count) up to date; "
            + "\(jobs) job\(jobs == 1 ? "" : "s") × \(Parallel.threadCount) thread\(Parallel.threadCount == 1 ? "" : "s")"
        if let runner {
            header += runner.tileSize > 0
                ? ", tiles above \(runner.tileSize)² px" : ", no tiling"
        }
        if !settings.quiet { log(header) }
        for name in plan.unsupported where !settings.quiet { log("not a JPEG or PNG, left alone: \(name)") }
        let progress = settings.quiet || pendingCount == 0 ? nil : ProgressReporter(label: label, total: pendingCount, unit: "images")
        let summary = engine.run(plan, progress: progress, log: log)
        if progress?.style == .bar { progress?.finish() }
        // A recap for long runs, where the failure lines have scrolled away.
        if summary.failed > 0 && summary.failed <= 50 && pendingCount > 50 {
            log("failed:")
            for failure in summary.failures { log("  \(failure.path): \(failure.reason)") }
        }
        return summary
    }
}
