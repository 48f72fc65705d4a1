import Console
import Dispatch
import Foundation
import Tensors

/// Why a run stopped without finishing, or a file of the run that could not be used.
public struct TrainingError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Set by the SIGINT handler; read by `InterruptWatcher`. A plain global is what a signal handler may touch.
nonisolated(unsafe) private var sigintReceived: sig_atomic_t = 0

/// Catches SIGINT (Ctrl-C) so the loop can finish the current step, save and exit cleanly. While it
/// is active a Ctrl-C only sets a flag; `stop()` restores the default handler.
public final class InterruptWatcher: @unchecked Sendable {
    private let lock = NSLock()
    private var triggered = false

    /// False for a watcher that only `trigger()` interrupts (tests running several loops in one process).
    public let listensToSignals: Bool

    public init(listensToSignals: Bool = true) {
        self.listensToSignals = listensToSignals
    }

    /// Watchers active in this process; the handler is installed by the first and removed by the last.
    nonisolated(unsafe) private static var active = 0
    private static let activeLock = NSLock()

    public func start() {
        guard listensToSignals else { return }
        Self.activeLock.lock()
        defer { Self.activeLock.unlock() }
        if Self.active == 0 {
            sigintReceived = 0
            signal(SIGINT) { _ in sigintReceived = 1 }
        }
        Self.active += 1
    }

    public func stop() {
        guard listensToSignals else { return }
        Self.activeLock.lock()
        defer { Self.activeLock.unlock() }
        Self.active -= 1
        if Self.active == 0 { signal(SIGINT, SIG_DFL) }
    }

    /// Marks the run as interrupted without a signal.
    public func trigger() {
        lock.lock()
        triggered = true
        lock.unlock()
    }

    public var isInterrupted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return triggered || (listensToSignals && sigintReceived != 0)
    }
}

/// Epochs, the learning-rate schedule, the loss log, sample images, checkpoints and full resume, for
/// every trainer.
///
/// Run folder (`<checkpoints_dir>/<name>/`):
/// - `latest.safetensors`: the whole training state (weights, optimizer moments, image pools, RNG
///   states, schedule, epoch and iteration) for `--continue`;
/// - `latest_net_G.safetensors`, `<epoch>_net_G.safetensors`: self-describing inference checkpoints;
/// - `loss_log.jsonl`, `epochs.json`, `images/epochNNN_<label>.png`, `train_opt.yaml`, `report.html`.
public final class TrainingLoop<T: Trainer, S: BatchSource> where S.Batch == T.Batch {
    public enum Outcome: Equatable, Sendable { case finished, interrupted, stepLimit }

    public let trainer: T
    public let source: S
    public let options: TrainOptions
    public let runFolder: URL
    /// Writes an image tensor `[1, C, H, W]` in [-1, 1] as PNG.
    public let writeImage: (Tensor, URL) throws -> Void
    public let interrupts: InterruptWatcher
    public var progressStyle: ProgressReporter.Style?
    /// Called with each plain message (resume notices, checkpoints).
    public var log: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// Extra report sections (evaluation, inference summaries) appended by the caller.
    public var reportSections: [(heading: String, rows: [(String, String)])] = []
    /// Image galleries for the report (inference inputs and outputs).
    public var reportGalleries: [(heading: String, images: [(caption: String, file: URL)])] = []

    public private(set) var schedule: LearningRateSchedule
    /// 1-based epoch being trained (the reference's `epoch`, from `epoch_count`).
    public private(set) var epoch: Int
    /// Batches of the current epoch already done.
    public private(set) var batchInEpoch = 0
    /// Optimisation steps done in the whole run.
    public private(set) var iteration = 0
    public private(set) var epochSummaries: [EpochSummary] = []

    public init(trainer: T, source: S, options: TrainOptions, runFolder: URL, interrupts: InterruptWatcher = InterruptWatcher(),
                writeImage: @escaping (Tensor, URL) throws -> Void) {
        self.trainer = trainer
        self.source = source
        self.options = options
        self.runFolder = runFolder
        self.interrupts = interrupts
        self.writeImage = writeImage
        schedule = LearningRateSchedule(policy: options.lrPolicy, baseLearningRate: options.lr, nEpochs: options.nEpochs,
                                        nEpochsDecay: options.nEpochsDecay, epochCount: options.epochCount,
                                        decayEpochs: options.lrDecayIters)
        epoch = options.epochCount
    }

    public var lastEpoch: Int { options.nEpochs + options.nEpochsDecay }
    var stateURL: URL { runFolder.appendingPathComponent("latest.safetensors") }
    var lossLogURL: URL { runFolder.appendingPathComponent("loss_log.jsonl") }
    var epochsURL: URL { runFolder.appendingPathComponent("epochs.json") }

    // MARK: - Run

    /// Trains until the last epoch, `max_steps`, or an interrupt. Resumes first when the run folder has
    /// a `latest.safetensors` (or throws if `--continue` was asked and there is none).
    @discardableResult
    public func run() throws -> Outcome {
        try FileManager.default.createDirectory(at: runFolder.appendingPathComponent("images"), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: stateURL.path) {
            try resume()
            log("resuming \(options.name) at epoch \(epoch), batch \(batchInEpoch), iteration \(iteration) from \(stateURL.path)")
        } else if options.continueTrain {
            throw TrainingError("--continue: \(stateURL.path) does not exist; start without --continue to begin a new run")
        } else {
            try? FileManager.default.removeItem(at: lossLogURL)
        }
        let perEpoch = source.batchesPerEpoch
        guard perEpoch > 0 else { throw TrainingError("the dataset yields no batch (fewer images than --batch-size?)") }
        let plannedTotal = options.maxSteps > 0
            ? Swift.min(options.maxSteps, (lastEpoch - options.epochCount + 1) * perEpoch)
            : (lastEpoch - options.epochCount + 1) * perEpoch
        let progress = ProgressReporter(label: options.name, total: plannedTotal, unit: "it", style: progressStyle,
                                        initial: Swift.min(iteration, plannedTotal),
                                        write: { FileHandle.standardError.write(Data($0.utf8)) })
        progress.advance(by: 0)
        interrupts.start()
        defer { interrupts.stop() }

        let displayBatch = try firstBatch()
        var lossSums: [String: Double] = [:]
        var lossCount = 0
        var epochStart = Date()
        var outcome = Outcome.finished
        var lastSavedIteration = iteration
        training: while epoch <= lastEpoch {
            for (_, optimizer) in trainer.optimizers { optimizer.learningRate = schedule.learningRate }
            var batches = try source.batches(epoch: epoch, startingAt: batchInEpoch)
            while batchInEpoch < perEpoch {
                if interrupts.isInterrupted { outcome = .interrupted; break training }
                if options.maxSteps > 0 && iteration >= options.maxSteps { outcome = .stepLimit; break training }
                guard let next = batches.next() else { break }
                let batch: T.Batch
                switch next {
                case .success(let value): batch = value
                case .failure(let error): throw error
                }
                let losses = trainer.step(on: batch)
                if let bad = losses.first(where: { !$0.value.isFinite }) {
                    throw TrainingError("loss \(bad.name) became \(bad.value.isNaN ? "NaN" : "infinite") at epoch \(epoch), iteration \(iteration + 1); "
                        + "training stopped and the last good checkpoint (iteration \(lastSavedIteration)) was kept. "
                        + "Lower --lr, check the input images, or resume with --continue.")
                }
                iteration += 1
                batchInEpoch += 1
                for (name, value) in losses { lossSums[name, default: 0] += Double(value) }
                lossCount += 1
                let detail = losses.map { "\($0.name) \(String(format: "%.3f", $0.value))" }.joined(separator: " ")
                progress.advance(detail: detail)
                if iteration % options.printFreq == 0 {
                    try appendLoss(LossRecord(epoch: epoch, iteration: iteration,
                                              losses: Dictionary(losses.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                              seconds: progress.elapsed))
                }
                if iteration % options.saveLatestFreq == 0 {
                    try saveState()
                    lastSavedIteration = iteration
                }
            }
            // End of epoch: samples, schedule, periodic checkpoints.
            let meanLosses = lossSums.mapValues { $0 / Double(Swift.max(1, lossCount)) }
            if lossCount > 0 && iteration % options.printFreq != 0 {
                try appendLoss(LossRecord(epoch: epoch, iteration: iteration,
                                          losses: meanLosses.mapValues { Float($0) }, seconds: progress.elapsed))
            }
            let samples = try writeSamples(displayBatch)
            epochSummaries.removeAll { $0.epoch == epoch }
            epochSummaries.append(EpochSummary(epoch: epoch, seconds: Date().timeIntervalSince(epochStart),
                                               learningRate: schedule.learningRate, samples: samples))
            schedule.step(metric: meanLosses.values.first)
            if epoch % options.saveEpochFreq == 0 { try trainer.saveNetworks(tag: String(epoch), in: runFolder, step: iteration) }
            progress.log("epoch \(epoch)/\(lastEpoch) done in \(ProgressReporter.formatDuration(Date().timeIntervalSince(epochStart))), "
                + meanLosses.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: " "))
            epoch += 1
            batchInEpoch = 0
            lossSums = [:]
            lossCount = 0
            epochStart = Date()
            try saveState()
            lastSavedIteration = iteration
        }
        progress.finish()
        try saveState()
        try trainer.saveNetworks(tag: "latest", in: runFolder, step: iteration)
        try writeReport()
        switch outcome {
        case .interrupted: log("interrupted: saved \(stateURL.path) at iteration \(iteration); rerun the same command to continue")
        case .stepLimit: log("stopped at --max-steps \(options.maxSteps); rerun with a larger --max-steps to continue")
        case .finished: log("finished \(lastEpoch - options.epochCount + 1) epoch(s), \(iteration) iterations")
        }
        return outcome
    }

    func firstBatch() throws -> T.Batch {
        var iterator = try source.batches(epoch: options.epochCount, startingAt: 0)
        guard let first = iterator.next() else { throw TrainingError("the dataset yields no batch") }
        return try first.get()
    }

    // MARK: - Logs, samples, report

    func appendLoss(_ record: LossRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(0x0A)
        if let handle = try? FileHandle(forWritingTo: lossLogURL) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } else {
            try line.write(to: lossLogURL)
        }
    }

    /// Reads `loss_log.jsonl`, skipping damaged lines.
    public func lossRecords() -> [LossRecord] {
        guard let text = try? String(contentsOf: lossLogURL, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        return text.split(separator: "\n").compactMap { try? decoder.decode(LossRecord.self, from: Data($0.utf8)) }
    }

    func writeSamples(_ batch: T.Batch) throws -> [EpochSummary.Sample] {
        var samples: [EpochSummary.Sample] = []
        for (label, image) in trainer.visuals(for: batch) {
            let file = String(format: "images/epoch%03d_%@.png", epoch, label)
            try writeImage(image.sliced(alongAxis: 0, 0..<1).detached(), runFolder.appendingPathComponent(file))
            samples.append(EpochSummary.Sample(label: label, file: file))
        }
        return samples
    }

    /// Writes `report.html` from the loss log, the epoch summaries and the resolved options.
    public func writeReport() throws {
        let optionsText = (try? String(contentsOf: runFolder.appendingPathComponent("train_opt.yaml"), encoding: .utf8))
            ?? options.resolvedPairs.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        var report = RunReport(title: "\(options.name) — \(options.model.rawValue)", options: optionsText,
                               losses: lossRecords(), epochs: epochSummaries, sections: reportSections, runFolder: runFolder)
        report.galleries = reportGalleries
        try report.write(to: runFolder.appendingPathComponent("report.html"))
    }

    // MARK: - Checkpoint and resume

    /// Saves the whole training state atomically to `latest.safetensors` and the epoch summaries.
    public func saveState() throws {
        var tensors: [(name: String, tensor: Tensor)] = []
        for (network, parameters) in trainer.networks {
            for (name, parameter) in parameters { tensors.append(("net.\(network).\(name)", parameter.value)) }
        }
        var metadata: [String: String] = [
            "format": "translate-training-state-1", "epoch": String(epoch), "batch_in_epoch": String(batchInEpoch),
            "iteration": String(iteration), "model": options.model.rawValue,
        ]
        for (name, optimizer) in trainer.optimizers {
            for (key, tensor) in optimizer.stateTensors() { tensors.append(("optim.\(name).\(key)", tensor)) }
            metadata["optim.\(name)"] = try jsonString(optimizer.stateScalars)
        }
        for (name, tensor) in trainer.extraState() { tensors.append(("extra.\(name)", tensor)) }
        for (name, source) in trainer.randomSources { metadata["rng.\(name)"] = try jsonString(source.generator) }
        metadata["schedule"] = try jsonString(schedule)
        metadata["options"] = try jsonString(options)
        try SafeTensors.write(.init(tensors: tensors, metadata: metadata), to: stateURL)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWriter.write(try encoder.encode(epochSummaries), to: epochsURL)
    }

    /// Restores everything `saveState` wrote; a damaged or mismatched file is a clear error.
    public func resume() throws {
        let state = try SafeTensors.read(contentsOf: stateURL)
        func fail(_ message: String) -> TrainingError {
            TrainingError("\(stateURL.path): \(message). Move the run folder away to start fresh.")
        }
        guard state.metadata["format"] == "translate-training-state-1" else { throw fail("not a training state file") }
        guard let savedEpoch = state.metadata["epoch"].flatMap(Int.init),
              let savedBatch = state.metadata["batch_in_epoch"].flatMap(Int.init),
              let savedIteration = state.metadata["iteration"].flatMap(Int.init)
        else { throw fail("epoch/iteration metadata missing") }
        let tensors = Dictionary(state.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var missing: [String] = [], misShaped: [String] = []
        for (network, parameters) in trainer.networks {
            for (name, parameter) in parameters {
                guard let value = tensors["net.\(network).\(name)"] else { missing.append("\(network).\(name)"); continue }
                guard value.shape == parameter.shape else {
                    misShaped.append("\(network).\(name) \(value.shape) vs \(parameter.shape)")
                    continue
                }
                parameter.value = value.copied()
            }
        }
        if !missing.isEmpty || !misShaped.isEmpty {
            throw fail("it does not match this model (different options?): missing \(missing.prefix(5)), mis-shaped \(misShaped.prefix(5))")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        for (name, optimizer) in trainer.optimizers {
            let prefix = "optim.\(name)."
            var own: [String: Tensor] = [:]
            for (key, tensor) in tensors where key.hasPrefix(prefix) { own[String(key.dropFirst(prefix.count))] = tensor }
            let scalars = try state.metadata["optim.\(name)"].map { try decoder.decode([String: Double].self, from: Data($0.utf8)) } ?? [:]
            do { try optimizer.loadState(tensors: own, scalars: scalars) } catch { throw fail("\(error)") }
        }
        var extra: [String: Tensor] = [:]
        for (key, tensor) in tensors where key.hasPrefix("extra.") { extra[String(key.dropFirst(6))] = tensor }
        try trainer.loadExtraState(extra)
        for (name, source) in trainer.randomSources {
            guard let text = state.metadata["rng.\(name)"] else { throw fail("random state \(name) missing") }
            source.generator = try decoder.decode(SeededGenerator.self, from: Data(text.utf8))
        }
        if let text = state.metadata["schedule"] {
            let saved = try decoder.decode(LearningRateSchedule.self, from: Data(text.utf8))
            schedule = saved
        }
        epoch = savedEpoch
        batchInEpoch = savedBatch
        iteration = savedIteration
        if let data = try? Data(contentsOf: epochsURL), let summaries = try? decoder.decode([EpochSummary].self, from: data) {
            epochSummaries = summaries.filter { $0.epoch < epoch }
        }
        // Log lines written after the saved iteration belong to work that was lost: drop them.
        let kept = lossRecords().filter { $0.iteration <= iteration }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for record in kept {
            data.append(try encoder.encode(record))
            data.append(0x0A)
        }
        try AtomicWriter.write(data, to: lossLogURL)
    }

    func jsonString<V: Encodable>(_ value: V) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
