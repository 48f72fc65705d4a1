import ArgumentParser
import Foundation
import Inference
import Layers
import Networks

extension OutputOptions.Format: ExpressibleByArgument {}

/// The file-tool flags `apply` and `colorize` share: paths, naming, format, skipping, workers, memory.
struct BatchArguments: ParsableArguments {
    @Argument(help: "An image, or a folder walked recursively (hidden entries and non-images are ignored).")
    var input: String

    @Argument(help: "The output folder (mirrors the input's tree); for an image input also an output file name.")
    var output: String

    @Option(help: ArgumentHelp("Generator checkpoint (.safetensors written by translate train or translate convert); "
        + "required except for `translate upscale --method`."))
    var checkpoint: String?

    @Option(help: "Appended to each output name before the extension (e.g. _zebra).")
    var suffix = ""

    @Option(help: "Output format: same (the input's), png or jpg. Images with transparency are always PNG.")
    var format: OutputOptions.Format = .same

    @Option(help: "JPEG quality, 1–100.")
    var quality = 95

    @Flag(help: "Redo outputs that exist and are newer than their input (they are skipped otherwise).")
    var overwrite = false

    @Flag(help: "Do not copy EXIF and ICC profiles to the outputs (the EXIF orientation is always applied and reset).")
    var stripMetadata = false

    @Option(help: ArgumentHelp("Images in the network at once, each on threads/jobs threads (default: one per thread; "
        + "all threads for a single image). Outputs are bit-identical across runs with the same --threads and --jobs."))
    var jobs: Int?

    @Option(help: "Largest tile side in pixels for big images; 0 never tiles (default: derived from --max-memory).")
    var tile: Int?

    @Option(help: "Pixels shared by neighbouring tiles (default: a quarter of the tile for instance-norm generators).")
    var tileOverlap: Int?

    @Option(help: ArgumentHelp("Memory for the network's activations and a cache reusing them, e.g. 4G or 512M "
        + "(default: a quarter of the machine's memory). Images too large for it run in tiles."))
    var maxMemory: String?

    @Option(help: "Most same-size small images run through the network together.")
    var maxBatch = 8

    @Option(help: "Images above this many megapixels fail before decoding (decompression bombs).")
    var maxMegapixels = 100.0

    @Flag(help: "Translate truncated or damaged JPEGs as decoded instead of failing them.")
    var allowDamaged = false

    @Flag(help: "No progress bar or lines; failures and the summary are still printed.")
    var quiet = false

    func validate() throws {
        if !(1...100).contains(quality) { throw ValidationError("--quality must be between 1 and 100, got \(quality)") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        if let tile, tile < 0 { throw ValidationError("--tile must be 0 (never) or a positive size, got \(tile)") }
        if let tileOverlap, tileOverlap < 0 { throw ValidationError("--tile-overlap must not be negative, got \(tileOverlap)") }
        if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1, got \(maxBatch)") }
        if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive, got \(maxMegapixels)") }
        if suffix.contains("/") { throw ValidationError("--suffix must not contain '/', got '\(suffix)'") }
        if let maxMemory, Self.parseBytes(maxMemory) == nil {
            throw ValidationError("--max-memory must be a size like 4G, 512M or 2000000000, got '\(maxMemory)'")
        }
    }

    /// "4G", "512M", "1.5GB", "300k" or a plain byte count.
    static func parseBytes(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("IB") { digits.removeLast(2) } else if digits.hasSuffix("B") { digits.removeLast() }
        var factor = 1.0
        if let last = digits.last, let power = ["K": 1.0, "M": 2.0, "G": 3.0, "T": 4.0][String(last)] {
            factor = pow(1024, power)
            digits.removeLast()
        }
        guard let value = Double(digits), value > 0, value * factor < 1e18 else { return nil }
        return Int(value * factor)
    }

    var outputOptions: OutputOptions {
        OutputOptions(format: format, suffix: suffix, jpegQuality: quality, overwrite: overwrite, stripMetadata: stripMetadata)
    }

    /// Loads the checkpoint; a missing file is a usage error, a damaged one a failure (exit 1).
    func loadCheckpoint() throws -> (spec: NetworkSpec, network: any Layer, preprocessing: Preprocessing) {
        guard let checkpoint else { throw ValidationError("--checkpoint is required: give a generator checkpoint") }
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw ValidationError("--checkpoint \(checkpoint): no such file")
        }
        let (spec, network, loaded) = try Checkpoint.loadNetwork(contentsOf: URL(fileURLWithPath: checkpoint))
        let preprocessing = try loaded.preprocessingSettings() ?? Preprocessing.defaults(for: spec)
        return (spec, network, preprocessing)
    }

    var settings: BatchRunSettings {
        var settings = BatchRunSettings()
        settings.output = outputOptions
        settings.jobs = jobs
        settings.tile = tile
        settings.tileOverlap = tileOverlap
        settings.maxMemory = maxMemory.flatMap(Self.parseBytes)
        settings.maxBatch = maxBatch
        settings.maxMegapixels = maxMegapixels
        settings.allowDamaged = allowDamaged
        settings.quiet = quiet
        return settings
    }

    /// Plans, runs and reports a batch; throws `ExitCode(1)` when some file failed.
    func run(label: String, spec: NetworkSpec, network: any Layer, transform: ImageTransform) throws {
        try run(label: label, model: (spec, network), transform: transform)
    }

    /// As `run(label:spec:network:transform:)`; a nil model runs no network (model-free resampling).
    func run(label: String, model: (spec: NetworkSpec, network: any Layer)?, transform: ImageTransform) throws {
        let summary: BatchSummary
        do {
            summary = try BatchRun.run(input: input, output: output, model: model, transform: transform,
                                       settings: settings, label: label,
                                       log: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        } catch let error as InferenceError {
            throw ValidationError(error.description)
        }
        print(summary)
        if summary.failed > 0 { throw ExitCode(1) }
    }
}
