import Console
import Foundation
import ImageCodecs
import Kernels
import Networks
import Tensors

/// How a batch runs.
public struct BatchOptions: Sendable {
    /// Images in the network at once, each on its own worker thread (set the BLAS/loop thread count
    /// to `threads / jobs`). Decode and encode get as many workers again, mostly idle.
    public var jobs: Int
    /// At most this many same-size images go through the network together.
    public var maxBatch: Int
    /// Only images with at most this many pixels are batched.
    public var batchPixelLimit: Int
    /// The memory the batch may use for activations, in bytes (batches stay within their share).
    public var memoryBudget: Int
    /// Decode limit: larger images fail before any pixel memory is taken.
    public var maxPixels: Int
    /// Translate images the decoder had to repair (truncated or damaged JPEG data) instead of failing them.
    public var allowDamaged: Bool
    /// Freed activations kept for reuse during the batch (`BlockCache`), in bytes; 0 keeps none.
    /// Every image runs the same layer shapes, so kept blocks spare the next ones from faulting fresh
    /// pages in: on 1 MP images (one thread) 7.0 s/image instead of 10 s, for up to one pass's
    /// activations more peak memory. (Transparent huge pages via glibc.malloc.hugetlb=1 were tried
    /// too: with the cache they were slower.) The process-wide cache is released when the batch ends.
    public var blockCacheBytes: Int

    public init(jobs: Int = 1, maxBatch: Int = 8, batchPixelLimit: Int = 128 * 128,
                memoryBudget: Int = MemoryBudget.defaultBudget, maxPixels: Int = 100_000_000, allowDamaged: Bool = false,
                blockCacheBytes: Int = 0) {
        self.jobs = jobs
        self.maxBatch = maxBatch
        self.batchPixelLimit = batchPixelLimit
        self.memoryBudget = memoryBudget
        self.maxPixels = maxPixels
        self.allowDamaged = allowDamaged
        self.blockCacheBytes = blockCacheBytes
    }
}

/// What a batch did.
public struct BatchSummary: Sendable, CustomStringConvertible {
    /// Outputs written.
    public var done = 0
    /// Outputs already up to date.
    public var skipped = 0
    /// Inputs that could not be translated, with the reason, in input order.
    public var failures: [(path: String, reason: String)] = []
    /// Non-image files, hidden entries, links to folders.
    public var ignored = 0
    /// Files in image formats this tool does not read.
    public var unsupported = 0
    /// Wall-clock seconds of the processing (after planning).
    public var seconds: Double = 0

    public init() {}

    public var failed: Int { failures.count }

    /// Processed images per second.
    public var imagesPerSecond: Double { seconds > 0 ? Double(done + failed) / seconds : 0 }

    /// One line: "12 done, 3 skipped (up to date), 2 failed in 00:41 (0.34 images/s); 5 other files ignored".
    public var description: String {
        var text = "\(done) done, \(skipped) skipped (up to date), \(failed) failed in "
            + ProgressReporter.formatDuration(seconds)
        if done + failed > 0 { text += String(format: " (%.2f images/s)", imagesPerSecond) }
        var notes: [String] = []
        if unsupported > 0 { notes.append("\(unsupported) in unsupported formats (GIF, WebP, TIFF…) left alone") }
        if ignored > 0 { notes.append("\(ignored) other files ignored") }
        return notes.isEmpty ? text : text + "; " + notes.joined(separator: ", ")
    }
}

/// The batch translator shared by `apply` and `colorize`: decode workers → network workers →
/// encode workers, joined by bounded queues so decoding, inference and encoding overlap and memory
/// stays bounded. Every output is written atomically; a file that fails is reported and the batch
/// carries on.
public final class BatchEngine: @unchecked Sendable {
    public let transform: ImageTransform
    /// The network; nil for model-free resampling (`ImageTransform.resampling`), where decoded
    /// images go straight to the encoders.
    public let runner: GeneratorRunner?
    public let output: OutputOptions
    public let options: BatchOptions

    public init(transform: ImageTransform, runner: GeneratorRunner?, output: OutputOptions, options: BatchOptions) {
        precondition(options.jobs >= 1 && options.maxBatch >= 1, "BatchEngine: jobs and maxBatch must be at least 1")
        self.transform = transform
        self.runner = runner
        self.output = output
        self.options = options
    }

    /// A decoded image on its way to the network.
    struct Decoded {
        var index: Int
        var file: PlannedFile
        var image: PreparedImage
        var exif: ExifData?
        var icc: [UInt8]?

        /// Queue weight: the pixels of the network input (or of the image, when streamed or not run).
        var cost: Int {
            image.pixels != nil ? image.width * image.height : image.input.shape[2] * image.input.shape[3]
        }
    }

    /// A network result on its way to the encoder.
    struct Inferred {
        var decoded: Decoded
        /// nil when no network runs (model-free resampling).
        var output: Tensor?
        /// The network's output for the alpha image (`PreparedImage.alphaInput`).
        var alphaOutput: Tensor?
    }

    /// Shared mutable state of one run, behind a lock.
    final class RunState: @unchecked Sendable {
        let lock = NSLock()
        var failures: [(index: Int, path: String, reason: String)] = []
        var done = 0
        let progress: ProgressReporter?
        let log: (String) -> Void

        init(progress: ProgressReporter?, log: @escaping (String) -> Void) {
            self.progress = progress
            self.log = log
        }

        func succeeded() {
            lock.lock()
            done += 1
            progress?.advance()
            lock.unlock()
        }

        /// Records a failure; `pending` files also advance the progress (planned failures are not in its total).
        func failed(_ index: Int, _ path: String, _ reason: String, pending: Bool = true) {
            lock.lock()
            failures.append((index, path, reason))
            // One line per failure: the file and the reason.
            if let progress { progress.log("failed: \(path): \(reason)") } else { log("failed: \(path): \(reason)") }
            if pending { progress?.advance() }
            lock.unlock()
        }

        func note(_ message: String) {
            lock.lock()
            if let progress { progress.log(message) } else { log(message) }
            lock.unlock()
        }
    }

    /// Runs `plan`: failures planned ahead (collisions) are reported first, up-to-date outputs
    /// counted, pending files translated.
    /// - Parameters:
    ///   - progress: advanced once per pending file; its `log` carries the failure lines.
    ///   - log: where failure lines go when there is no progress reporter.
    public func run(_ plan: FilePlan, progress: ProgressReporter? = nil, log: @escaping (String) -> Void = { _ in })
        -> BatchSummary {
        let start = Date()
        let state = RunState(progress: progress, log: log)
        for path in plan.staleTemporaries { try? FileManager.default.removeItem(atPath: path) }
        if options.blockCacheBytes > 0 {
            BlockCache.setLimit(options.blockCacheBytes)
        }
        defer { if options.blockCacheBytes > 0 { BlockCache.setLimit(0) } }
        var summary = BatchSummary()
        summary.ignored = plan.ignoredCount
        summary.unsupported = plan.unsupported.count
        var pending: [(index: Int, file: PlannedFile)] = []
        for (index, file) in plan.files.enumerated() {
            switch file.action {
            case .process: pending.append((index, file))
            case .upToDate: summary.skipped += 1
            case .fail(let reason): state.failed(index, file.relativePath, reason, pending: false)
            }
        }
        process(pending, state: state)
        summary.done = state.done
        summary.failures = state.failures.sorted { $0.index < $1.index }.map { ($0.path, $0.reason) }
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    // MARK: - Pipeline

    private func process(_ pending: [(index: Int, file: PlannedFile)], state: RunState) {
        guard !pending.isEmpty else { return }
        let jobs = options.jobs
        // Queues weigh items in pixels: enough for every worker to form a full batch of small images.
        let queuedPixels = jobs * options.maxBatch * options.batchPixelLimit
        let toNetwork = BoundedQueue<Decoded>(costLimit: queuedPixels)
        let toEncoder = BoundedQueue<Inferred>(costLimit: queuedPixels)
        let next = Counter()

        let decoders = startWorkers(jobs, name: "decode") { [self] in
            while let item = next.take(below: pending.count).map({ pending[$0] }) {
                if let decoded = decode(item.index, item.file, state: state) {
                    if runner == nil {
                        // No network: resampling happens in the encoder.
                        toEncoder.push(Inferred(decoded: decoded, output: nil, alphaOutput: nil),
                                       cost: decoded.image.width * decoded.image.height)
                    } else {
                        toNetwork.push(decoded, cost: decoded.cost)
                    }
                }
            }
        }
        let networkWorkers = startWorkers(runner == nil ? 0 : jobs, name: "network") { [self] in
            guard let runner else { return }
            while true {
                let batch = toNetwork.popBatch(limit: options.maxBatch) { first, other in canBatch(first, other) }
                if batch.isEmpty { break }
                if batch.count == 1, batch[0].image.pixels != nil {
                    // A tiled upscale streams from the network to the file, a band of rows at a time.
                    stream(batch[0], runner: runner, state: state)
                    continue
                }
                let outputs = runner.run(batch.map(\.image.input))
                for (decoded, output) in zip(batch, outputs) {
                    // Upscaling with --alpha-upsampler model: the alpha image takes its own pass.
                    let alphaOutput = decoded.image.alphaInput.map { runner.run([$0])[0] }
                    toEncoder.push(Inferred(decoded: decoded, output: output, alphaOutput: alphaOutput),
                                   cost: output.shape[2] * output.shape[3])
                }
            }
        }
        let encoders = startWorkers(jobs, name: "encode") { [self] in
            while let item = toEncoder.pop() { encode(item, state: state) }
        }
        decoders.wait()
        toNetwork.close()
        networkWorkers.wait()
        toEncoder.close()
        encoders.wait()
    }

    /// Same-size small images that fit untiled go through the network together (the memory of
    /// the whole batch stays within one worker's share of the budget).
    private func canBatch(_ first: Decoded, _ other: Decoded) -> Bool {
        let shape = first.image.input.shape
        guard first.image.pixels == nil, other.image.pixels == nil, other.image.input.shape == shape else { return false }
        let pixels = shape[2] * shape[3]
        guard let runner, pixels <= options.batchPixelLimit, !runner.needsTiles(height: shape[2], width: shape[3]) else {
            return false
        }
        let perWorker = options.memoryBudget / options.jobs
        return pixels * options.maxBatch * MemoryBudget.activationBytesPerPixel(runner.spec) <= perWorker
    }

    private func decode(_ index: Int, _ file: PlannedFile, state: RunState) -> Decoded? {
        do {
            let decodeOptions = DecodeOptions(maxPixels: options.maxPixels, keep16Bit: true, applyOrientation: true)
            let decoded = try ImageDecoder.decode(contentsOf: file.input, options: decodeOptions)
            if let warning = decoded.warnings.first {
                let more = decoded.warnings.count > 1 ? " (and \(decoded.warnings.count - 1) more problems)" : ""
                guard options.allowDamaged else {
                    state.failed(index, file.relativePath, warning.message + more + "; --allow-damaged translates it anyway")
                    return nil
                }
                state.note("warning: \(file.relativePath): \(warning.message)\(more); translated as decoded")
            }
            for note in decoded.notes { state.note("note: \(file.relativePath): \(note)") }
            let keep = !output.stripMetadata
            // `translate upscale` of an image that needs tiles: streamed (`streamUpscale`), so memory
            // is bounded by the tile size and the image width, not the output's area.
            let streamed = transform.upscale != nil && transform.resampling == nil
                && runner?.needsTiles(height: decoded.pixels.height, width: decoded.pixels.width) == true
            return Decoded(index: index, file: file,
                           image: streamed ? transform.prepareStreamed(decoded.pixels) : transform.prepare(decoded.pixels),
                           exif: keep ? decoded.exif : nil, icc: keep ? decoded.iccProfile : nil)
        } catch let error as ImageCodecError {
            state.failed(index, file.relativePath, error.message)
        } catch {
            state.failed(index, file.relativePath, "\(error)")
        }
        return nil
    }

    private func encode(_ item: Inferred, state: RunState) {
        let file = item.decoded.file
        do {
            let pixels = transform.finish(item.decoded.image, output: item.output ?? item.decoded.image.input,
                                          alphaOutput: item.alphaOutput)
            let icc = item.decoded.icc.flatMap { Self.profile($0, fits: pixels) }
            let (bytes, notes) = try ImageEncoder.encodeNoting(
                pixels, as: file.format, jpeg: JPEGEncodeOptions(quality: output.jpegQuality),
                exif: item.decoded.exif, iccProfile: icc)
            for note in notes { state.note("note: \(file.relativePath): \(note)") }
            try Self.createFolder(of: file.output)
            try ImageFile.writeAtomically(bytes, to: file.output)
            state.succeeded()
        } catch let error as ImageCodecError {
            state.failed(item.decoded.index, file.relativePath, error.message + " (writing \(file.output))")
        } catch {
            state.failed(item.decoded.index, file.relativePath, "\(error)")
        }
    }

    /// Upscales one decoded image (`prepareStreamed`) straight into its output file, a band of rows
    /// at a time (`ImageTransform.streamUpscale` into an `ImageStreamWriter`, atomic as `encode`).
    private func stream(_ decoded: Decoded, runner: GeneratorRunner, state: RunState) {
        let file = decoded.file
        do {
            let image = decoded.image
            let size = transform.outputSize(width: image.width, height: image.height)
            let channels = transform.streamedChannels(image)
            let icc = decoded.icc.flatMap { Self.profile($0, fitsChannels: channels) }
            try Self.createFolder(of: file.output)
            let writer = try ImageStreamWriter(
                path: file.output, format: file.format, width: size.width, height: size.height, channels: channels,
                sampleType: image.sampleType, jpeg: JPEGEncodeOptions(quality: output.jpegQuality),
                exif: decoded.exif, iccProfile: icc)
            for note in writer.notes { state.note("note: \(file.relativePath): \(note)") }
            try transform.streamUpscale(image, runner: runner) { try writer.write($0) }
            try writer.finish()
            state.succeeded()
        } catch let error as ImageCodecError {
            state.failed(decoded.index, file.relativePath, error.message + " (writing \(file.output))")
        } catch {
            state.failed(decoded.index, file.relativePath, "\(error)")
        }
    }

    /// Creates the folder `path` goes in.
    static func createFolder(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw InferenceError(.io, "cannot create the output folder \(directory): \(Self.reason(error))")
        }
    }

    /// `profile` when its colour space (ICC header bytes 16–19) is that of `pixels`: 'GRAY' for gray,
    /// 'RGB ' for colour; nil otherwise (a gray input's profile on an RGB output, a CMYK JPEG's
    /// profile on the RGB pixels it decoded to), which viewers would misread.
    static func profile(_ profile: [UInt8], fits pixels: PixelBuffer) -> [UInt8]? {
        Self.profile(profile, fitsChannels: pixels.channels)
    }

    /// `profile(_:fits:)` for pixels of `channels` channels.
    static func profile(_ profile: [UInt8], fitsChannels channels: Int) -> [UInt8]? {
        guard profile.count >= 20 else { return nil }
        let space = String(decoding: profile[16..<20], as: UTF8.self)
        return space == (channels >= 3 ? "RGB " : "GRAY") ? profile : nil
    }

    /// The POSIX reason of a Foundation file error ("Not a directory"), else its description.
    static func reason(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        return nsError.localizedDescription
    }

    // MARK: - Threads

    /// `count` threads running `body`; `wait()` returns when all have finished.
    private func startWorkers(_ count: Int, name: String, _ body: @escaping @Sendable () -> Void) -> WorkerGroup {
        let group = WorkerGroup()
        for worker in 0..<count {
            group.enter()
            let thread = Thread {
                body()
                group.leave()
            }
            thread.name = "translate-\(name)-\(worker)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        return group
    }
}

/// Hands out 0, 1, 2, … to concurrent takers.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    /// The next number, or nil once it reaches `limit`.
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Counts running workers; `wait()` blocks until none is left.
final class WorkerGroup: @unchecked Sendable {
    private var running = 0
    private let condition = NSCondition()

    func enter() {
        condition.lock()
        running += 1
        condition.unlock()
    }

    func leave() {
        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    func wait() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }
}
