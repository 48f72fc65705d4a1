import Console
import Dispatch
import Distributed
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

/// Catches SIGINT (Ctrl-C) and SIGTERM (`kill`, or mpirun passing on a Ctrl-C to its ranks) so the
/// loop can finish the current step, save and exit cleanly. While it is active such a signal only
/// sets a flag; `stop()` restores the default handlers.
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
            signal(SIGTERM) { _ in sigintReceived = 1 }
        }
        Self.active += 1
    }

    public func stop() {
        guard listensToSignals else { return }
        Self.activeLock.lock()
        defer { Self.activeLock.unlock() }
        Self.active -= 1
        if Self.active == 0 {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
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

/// Epochs, phases, per-optimizer learning-rate schedules, the loss log, sample images, checkpoints
/// and full resume, for every trainer.
///
/// Run folder (`<checkpoints_dir>/<name>/`):
/// - `latest.safetensors`: the whole training state (weights, optimizer moments, image pools, RNG
///   states, schedules, phase, epoch, iteration and the partial loss sums) for `--continue`;
/// - `latest_net_G.safetensors`, `<epoch>_net_G.safetensors`: self-describing inference checkpoints;
/// - `loss_log.jsonl`, `epochs.json`, `images/epochNNN_<label>.png`, `train_opt.yaml`, `report.html`.
///
/// Learning rates follow the reference's timing: every optimizer has its own schedule (the phase's,
/// or one built from the options), an epoch schedule steps at the start of each epoch, so epoch e
/// trains at what the reference's `train.py` uses in epoch e.
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
    /// The ranks of a data-parallel run (`mpirun -np N`): gradients and logged losses are averaged
    /// over them and rank 0 alone writes files. One process by default.
    public var parallel = DataParallel(group: LocalGroup())
    /// Iterations between checks that every rank holds the same weights (data-parallel runs).
    public var weightCheckFrequency = 100

    /// The trainer's phases, read once.
    public let phases: [TrainingPhase]
    /// Schedules by key: the optimizer's name for the run's schedule, `phase/optimizer` for a phase's own.
    public private(set) var schedules: [String: LearningRateSchedule] = [:]
    /// 1-based epoch being trained (the reference's `epoch`, from `epoch_count`).
    public private(set) var epoch: Int
    /// Batches of the current epoch already done.
    public private(set) var batchInEpoch = 0
    /// Optimisation steps done in the whole run.
    public private(set) var iteration = 0
    /// Index in `phases` of the current phase, and where (iteration, epoch) it started.
    public private(set) var phaseIndex = 0
    public private(set) var phaseStartIteration = 0
    public private(set) var phaseStartEpoch: Int
    public private(set) var epochSummaries: [EpochSummary] = []
    /// Loss sums of the current epoch and since the last log line (saved, so resuming mid-epoch loses nothing).
    var sums = LossSums()
    /// Each optimizer's learning rate when the loop was made: the base of the schedules built from the options.
    let initialLearningRates: [String: Float]

    /// The part of the loop's own state that goes into `latest.safetensors` besides the schedules.
    /// Each loss is counted on its own: a phase switch mid-epoch adds losses that the first part lacked.
    struct LossSums: Codable, Equatable {
        var epoch: [String: Double] = [:]
        var epochCounts: [String: Int] = [:]
        var pending: [String: Double] = [:]
        var pendingCounts: [String: Int] = [:]
        /// Mean losses of the last finished epoch (what `--lr-monitor` reads at the next epoch's start).
        var previousEpochMeans: [String: Double] = [:]

        mutating func add(_ losses: [(name: String, value: Float)]) {
            for (name, value) in losses {
                epoch[name, default: 0] += Double(value)
                epochCounts[name, default: 0] += 1
                pending[name, default: 0] += Double(value)
                pendingCounts[name, default: 0] += 1
            }
        }

        var epochMeans: [String: Double] {
            epoch.reduce(into: [:]) { $0[$1.key] = $1.value / Double(Swift.max(1, epochCounts[$1.key] ?? 1)) }
        }
        var pendingMeans: [String: Double] {
            pending.reduce(into: [:]) { $0[$1.key] = $1.value / Double(Swift.max(1, pendingCounts[$1.key] ?? 1)) }
        }
    }

    public init(trainer: T, source: S, options: TrainOptions, runFolder: URL, interrupts: InterruptWatcher = InterruptWatcher(),
                writeImage: @escaping (Tensor, URL) throws -> Void) {
        self.trainer = trainer
        self.source = source
        self.options = options
        self.runFolder = runFolder
        self.interrupts = interrupts
        self.writeImage = writeImage
        phases = trainer.phases
        epoch = options.epochCount
        phaseStartEpoch = options.epochCount
        initialLearningRates = Dictionary(trainer.optimizers.map { ($0.name, $0.optimizer.learningRate) }, uniquingKeysWith: { a, _ in a })
    }

    public var lastEpoch: Int { options.nEpochs + options.nEpochsDecay }
    var stateURL: URL { runFolder.appendingPathComponent("latest.safetensors") }
    var lossLogURL: URL { runFolder.appendingPathComponent("loss_log.jsonl") }
    var epochsURL: URL { runFolder.appendingPathComponent("epochs.json") }

    /// The phase being trained (the last one once all are over).
    public var phase: TrainingPhase { phases[Swift.min(phaseIndex, phases.count - 1)] }

    /// The schedule `optimizer` follows in `phase`, as it stands now.
    public func schedule(of optimizer: String, in phase: TrainingPhase? = nil) -> LearningRateSchedule {
        let phase = phase ?? self.phase
        return schedules[scheduleKey(optimizer, phase)] ?? freshSchedule(optimizer, phase)
    }

    func scheduleKey(_ optimizer: String, _ phase: TrainingPhase) -> String {
        phase.schedules[optimizer] == nil ? optimizer : "\(phase.name)/\(optimizer)"
    }

    func freshSchedule(_ optimizer: String, _ phase: TrainingPhase) -> LearningRateSchedule {
        phase.schedules[optimizer]
            ?? LearningRateSchedule(options: options, baseLearningRate: initialLearningRates[optimizer] ?? options.lr)
    }

    // MARK: - Run

    /// Trains until the last epoch, the end of the last phase, `max_steps`, or an interrupt. Resumes
    /// first when the run folder has a `latest.safetensors` (or throws if `--continue` was asked and
    /// there is none); a new run starts networks from `init_from` first.
    @discardableResult
    public func run() throws -> Outcome {
        try checkPhases()
        let group = parallel.group, writer = group.isWriter
        if writer {
            try FileManager.default.createDirectory(at: runFolder.appendingPathComponent("images"), withIntermediateDirectories: true)
        }
        // Rank 0 reads the saved state and sends its bytes to the others, so hosts need not share the run folder.
        if let saved = try savedState() {
            try resume(from: saved)
            log("resuming \(options.name) at epoch \(epoch), batch \(batchInEpoch), iteration \(iteration) from \(stateURL.path)")
        } else if options.continueTrain {
            throw TrainingError("--continue: \(stateURL.path) does not exist; start without --continue to begin a new run")
        } else if writer {
            try? FileManager.default.removeItem(at: lossLogURL)
            if !options.initFrom.isEmpty { try initializeNetworks(from: options.initFrom) }
        }
        if group.size > 1 {
            try parallel.broadcastWeights(trainer.networks)
            parallel.attach(to: trainer.optimizers.map(\.optimizer))
            // Each rank its own dropout masks and pool draws; rank 0 keeps the saved streams.
            for (_, source) in trainer.randomSources { source.generator = DataParallel.stream(source.generator, rank: group.rank) }
            try parallel.verifyIdenticalWeights(trainer.networks, iteration: iteration)
            log("data parallel: \(group.summary), global batch \(source.globalBatchSize) (\(options.batchSize) per rank)")
        }
        let startIteration = iteration
        let perEpoch = source.batchesPerEpoch
        guard perEpoch > 0 else { throw TrainingError("the dataset yields no batch (fewer images than --batch-size?)") }
        let plannedTotal = options.maxSteps > 0
            ? Swift.min(options.maxSteps, (lastEpoch - options.epochCount + 1) * perEpoch)
            : (lastEpoch - options.epochCount + 1) * perEpoch
        let progress = ProgressReporter(label: options.name, total: plannedTotal, unit: "it", style: writer ? progressStyle : .silent,
                                        initial: Swift.min(iteration, plannedTotal),
                                        write: { FileHandle.standardError.write(Data($0.utf8)) })
        progress.advance(by: 0)
        interrupts.start()
        defer { interrupts.stop() }
        let optimizers = Dictionary(trainer.optimizers.map { ($0.name, $0.optimizer) }, uniquingKeysWith: { a, _ in a })

        let displayBatch = try writer ? firstBatch() : nil
        var epochStart = Date()
        var outcome = Outcome.finished
        var lastSavedIteration = iteration
        // With several ranks a stop is agreed at every step (one rank's Ctrl-C stops all at the same iteration).
        var stopAgreed = false
        training: while epoch <= lastEpoch {
            var batches = try source.batches(epoch: epoch, startingAt: batchInEpoch)
            while batchInEpoch < perEpoch {
                if group.size > 1 ? stopAgreed : interrupts.isInterrupted { outcome = .interrupted; break training }
                if options.maxSteps > 0 && iteration >= options.maxSteps { outcome = .stepLimit; break training }
                advancePhases()
                if phaseIndex >= phases.count { break training }
                guard let next = batches.next() else { break }
                let batch: T.Batch
                switch next {
                case .success(let value): batch = value
                case .failure(let error): throw error
                }
                let phase = phases[phaseIndex]
                applySchedules(phase, optimizers)
                let context = StepContext(epoch: epoch, iteration: iteration + 1, iterationInPhase: iteration - phaseStartIteration + 1,
                                          phase: phase.name, phaseIndex: phaseIndex)
                let losses: [(name: String, value: Float)]
                (losses, stopAgreed) = try parallel.averageLosses(trainer.step(on: batch, context: context),
                                                                 stop: interrupts.isInterrupted)
                if let bad = losses.first(where: { !$0.value.isFinite }) {
                    // Keep what the good iterations since the last log line showed, then stop.
                    if writer {
                        try? flushPendingLosses(seconds: progress.elapsed)
                        try? writeReport()
                    }
                    throw TrainingError("loss \(bad.name) became \(bad.value.isNaN ? "NaN" : "infinite") at epoch \(epoch), iteration \(iteration + 1); "
                        + "training stopped and the last good checkpoint (iteration \(lastSavedIteration)) was kept. "
                        + "Lower --lr, check the input images, or resume with --continue.")
                }
                iteration += 1
                batchInEpoch += 1
                stepIterationSchedules(phase)
                sums.add(losses)
                let detail = losses.map { "\($0.name) \(String(format: "%.3f", $0.value))" }.joined(separator: " ")
                progress.advance(detail: detail)
                if group.size > 1 && iteration % weightCheckFrequency == 0 {
                    try parallel.verifyIdenticalWeights(trainer.networks, iteration: iteration)
                }
                if writer && iteration % options.printFreq == 0 {
                    // As the reference's print_current_losses: this iteration's losses.
                    try appendLoss(LossRecord(epoch: epoch, iteration: iteration,
                                              losses: Dictionary(losses.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                              seconds: progress.elapsed))
                    sums.pending = [:]
                    sums.pendingCounts = [:]
                }
                if iteration % options.saveLatestFreq == 0 {
                    try saveState()
                    lastSavedIteration = iteration
                }
            }
            // End of epoch: the partial log window, samples, periodic checkpoints.
            let meanLosses = sums.epochMeans
            try flushPendingLosses(seconds: progress.elapsed)
            let samples = try displayBatch.map(writeSamples) ?? []
            let shownOptimizer = phase.optimizers.first ?? trainer.optimizers.first?.name
            epochSummaries.removeAll { $0.epoch == epoch }
            epochSummaries.append(EpochSummary(epoch: epoch, seconds: Date().timeIntervalSince(epochStart),
                                               learningRate: shownOptimizer.flatMap { optimizers[$0]?.learningRate } ?? 0,
                                               samples: samples))
            if writer && epoch % options.saveEpochFreq == 0 { try trainer.saveNetworks(tag: String(epoch), in: runFolder, step: iteration) }
            progress.log("epoch \(epoch)/\(lastEpoch) done in \(ProgressReporter.formatDuration(Date().timeIntervalSince(epochStart))), "
                + meanLosses.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }.joined(separator: " "))
            epoch += 1
            batchInEpoch = 0
            sums.previousEpochMeans = meanLosses
            sums.epoch = [:]
            sums.epochCounts = [:]
            epochStart = Date()
            try saveState()
            lastSavedIteration = iteration
        }
        progress.finish()
        if group.size > 1 {
            try parallel.verifyIdenticalWeights(trainer.networks, iteration: iteration)
            let summary = parallel.summary(steps: iteration - startIteration)
            log(summary)
            reportSections.removeAll { $0.heading == "Data parallel" }
            reportSections.append((heading: "Data parallel", rows: [
                ("ranks", group.summary), ("global batch", "\(source.globalBatchSize) (\(options.batchSize) per rank)"),
                ("this session", String(summary.dropFirst("data parallel: ".count))),
            ]))
        }
        try flushPendingLosses(seconds: progress.elapsed)
        try saveState()
        if writer {
            try trainer.saveNetworks(tag: "latest", in: runFolder, step: iteration)
            try writeReport()
        }
        switch outcome {
        case .interrupted: log("interrupted: saved \(stateURL.path) at iteration \(iteration); rerun the same command to continue")
        case .stepLimit: log("stopped at --max-steps \(options.maxSteps); rerun with a larger --max-steps to continue")
        case .finished: log("finished at epoch \(Swift.min(epoch, lastEpoch + 1) - 1), \(iteration) iterations")
        }
        return outcome
    }

    func firstBatch() throws -> T.Batch {
        var iterator = try source.batches(epoch: options.epochCount, startingAt: 0)
        guard let first = iterator.next() else { throw TrainingError("the dataset yields no batch") }
        return try first.get()
    }

    // MARK: - Phases and schedules

    /// Checks the trainer's phases against its optimizers, and `--lr-monitor` against its losses.
    func checkPhases() throws {
        guard !phases.isEmpty else { throw TrainingError("the trainer declares no training phase") }
        let known = Set(trainer.optimizers.map(\.name))
        for phase in phases {
            for name in phase.optimizers + Array(phase.schedules.keys) where !known.contains(name) {
                let names = known.sorted().joined(separator: ", ")
                throw TrainingError("phase \(phase.name) names optimizer \(name), which the trainer does not have (it has \(names))")
            }
        }
        let monitor = options.lrMonitor
        let declared = phases.flatMap(\.losses)
        if !monitor.isEmpty && !declared.isEmpty && !declared.contains(monitor) {
            let names = Array(Set(declared)).sorted().joined(separator: ", ")
            throw OptionError("--lr-monitor \(monitor) is not a loss of this model (losses: \(names))")
        }
        if !monitor.isEmpty && options.lrPolicy != .plateau {
            log("note: --lr-monitor \(monitor) only matters with --lr-policy plateau (this run uses \(options.lrPolicy.rawValue))")
        }
    }

    /// Moves past every phase that is over; `phaseIndex == phases.count` means training is done.
    func advancePhases() {
        while phaseIndex < phases.count {
            let over: Bool
            switch phases[phaseIndex].length {
            case .iterations(let n): over = iteration - phaseStartIteration >= n
            case .epochs(let n): over = epoch >= phaseStartEpoch + n
            case .untilEnd: over = false
            }
            guard over else { return }
            phaseIndex += 1
            phaseStartIteration = iteration
            phaseStartEpoch = epoch
        }
    }

    /// What a plateau schedule observes at the start of an epoch: the reference's constant 0
    /// (`BaseModel.metric`), or the last epoch's mean of the `--lr-monitor` loss (nil before one).
    var plateauMetric: Double? {
        options.lrMonitor.isEmpty ? 0 : sums.previousEpochMeans[options.lrMonitor]
    }

    /// Steps each active epoch schedule once per epoch (at its first iteration in the epoch, so also
    /// when a phase starts mid-epoch) and gives every active optimizer its rate.
    func applySchedules(_ phase: TrainingPhase, _ optimizers: [String: any Optimizer]) {
        for name in phase.optimizers {
            let key = scheduleKey(name, phase)
            var schedule = schedules[key] ?? freshSchedule(name, phase)
            if schedule.unit == .epoch && schedule.steppedInEpoch != epoch {
                schedule.step(metric: schedule.isPlateau ? plateauMetric : nil)
                schedule.steppedInEpoch = epoch
            }
            optimizers[name]?.learningRate = schedule.learningRate
            schedules[key] = schedule
        }
    }

    /// Steps each active iteration schedule after an iteration (BasicSR steps before every
    /// iteration but the first: the same positions).
    func stepIterationSchedules(_ phase: TrainingPhase) {
        for name in phase.optimizers {
            let key = scheduleKey(name, phase)
            guard var schedule = schedules[key], schedule.unit == .iteration else { continue }
            schedule.step()
            schedules[key] = schedule
        }
    }

    // MARK: - Starting networks from checkpoints

    /// Copies weights into networks from checkpoints: `spec` is `PATH` (the first network, usually G)
    /// or `NAME=PATH` entries separated by commas. A file is one of our network checkpoints
    /// (`*_net_G.safetensors`) or a training state (`latest.safetensors`, keys `net.NAME.*`). Nothing
    /// is changed unless every key of the network is present with its shape.
    public func initializeNetworks(from spec: String) throws {
        let networks = trainer.networks
        var assignments: [(network: String, path: String)] = []
        for entry in spec.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            if let equals = entry.firstIndex(of: "="), networks.contains(where: { $0.name == String(entry[..<equals]) }) {
                assignments.append((String(entry[..<equals]), String(entry[entry.index(after: equals)...])))
            } else if let first = networks.first {
                assignments.append((first.name, entry))
            }
        }
        for (network, path) in assignments {
            guard let parameters = networks.first(where: { $0.name == network })?.parameters else { continue }
            try Self.load(parameters, network: network, from: URL(fileURLWithPath: path))
            log("initialized \(network) from \(path)")
        }
    }

    /// Loads `parameters` of `network` from the checkpoint at `url`; a clear error names the file.
    public static func load(_ parameters: [(name: String, parameter: Parameter)], network: String, from url: URL) throws {
        let contents: SafeTensors.Contents
        do { contents = try SafeTensors.read(contentsOf: url) } catch {
            throw TrainingError("--init-from \(url.path): \(error)")
        }
        var tensors = Dictionary(contents.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let statePrefix = "net.\(network)."
        if contents.metadata["format"] == "translate-training-state-1" {
            var own: [String: Tensor] = [:]
            for (key, tensor) in tensors where key.hasPrefix(statePrefix) { own[String(key.dropFirst(statePrefix.count))] = tensor }
            tensors = own
        }
        var missing: [String] = [], misShaped: [String] = []
        for (name, parameter) in parameters {
            guard let value = tensors[name] else { missing.append(name); continue }
            if value.shape != parameter.shape { misShaped.append("\(name) (network \(parameter.shape), file \(value.shape))") }
        }
        let known = Set(parameters.map(\.name))
        let unexpected = tensors.keys.filter { !known.contains($0) }.sorted()
        if !missing.isEmpty || !misShaped.isEmpty || !unexpected.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing: \(missing.prefix(6).joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected: \(unexpected.prefix(6).joined(separator: ", "))") }
            if !misShaped.isEmpty { parts.append("\(misShaped.count) mis-shaped: \(misShaped.prefix(6).joined(separator: ", "))") }
            throw TrainingError("--init-from \(url.path): does not fit network \(network) (\(parts.joined(separator: "; "))). "
                + "Give a checkpoint of the same architecture (netG/ngf/norm), e.g. NAME=PATH for another network.")
        }
        for (name, parameter) in parameters {
            parameter.value = tensors[name]!.copied()
            parameter.gradient = nil
        }
    }

    // MARK: - Logs, samples, report

    /// Writes the mean losses of the iterations since the last log line, if any.
    func flushPendingLosses(seconds: Double?) throws {
        guard !sums.pending.isEmpty else { return }
        guard parallel.group.isWriter else {
            sums.pending = [:]
            sums.pendingCounts = [:]
            return
        }
        try appendLoss(LossRecord(epoch: epoch, iteration: iteration, losses: sums.pendingMeans.mapValues { Float($0) }, seconds: seconds))
        sums.pending = [:]
        sums.pendingCounts = [:]
    }

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
        guard parallel.group.isWriter else { return }
        var tensors: [(name: String, tensor: Tensor)] = []
        for (network, parameters) in trainer.networks {
            for (name, parameter) in parameters { tensors.append(("net.\(network).\(name)", parameter.value)) }
        }
        var metadata: [String: String] = [
            "format": "translate-training-state-1", "epoch": String(epoch), "batch_in_epoch": String(batchInEpoch),
            "iteration": String(iteration), "model": options.model.rawValue,
            "phase": String(phaseIndex), "phase_start_iteration": String(phaseStartIteration),
            "phase_start_epoch": String(phaseStartEpoch),
            "global_batch": String(source.globalBatchSize), "ranks": String(parallel.group.size),
        ]
        for (name, optimizer) in trainer.optimizers {
            for (key, tensor) in optimizer.stateTensors() { tensors.append(("optim.\(name).\(key)", tensor)) }
            metadata["optim.\(name)"] = try jsonString(optimizer.stateScalars)
        }
        for (name, tensor) in trainer.extraState() { tensors.append(("extra.\(name)", tensor)) }
        for (name, source) in trainer.randomSources { metadata["rng.\(name)"] = try jsonString(source.generator) }
        metadata["schedules"] = try jsonString(schedules)
        metadata["loss_sums"] = try jsonString(sums)
        metadata["options"] = try jsonString(options)
        try SafeTensors.write(.init(tensors: tensors, metadata: metadata), to: stateURL)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicWriter.write(try encoder.encode(epochSummaries), to: epochsURL)
    }

    /// `latest.safetensors` as rank 0 read it (nil when there is none), on every rank.
    func savedState() throws -> Data? {
        let group = parallel.group
        var bytes = Data()
        if group.isWriter && FileManager.default.fileExists(atPath: stateURL.path) {
            do { bytes = try Data(contentsOf: stateURL, options: .mappedIfSafe) } catch {
                throw TrainingError("\(stateURL.path): cannot read (\(error.localizedDescription)). Move the run folder away to start fresh.")
            }
        }
        if group.size > 1 { bytes = try parallel.broadcast(bytes) }
        return bytes.isEmpty ? nil : bytes
    }

    /// Restores everything `saveState` wrote (from `data`, else the file); a damaged or mismatched
    /// file is a clear error. A state saved with another global batch size (another number of
    /// ranks) resumes at the same iteration from the first sample of the epoch not yet seen,
    /// rounded down to a whole batch.
    public func resume(from data: Data? = nil) throws {
        let state = try data.map { try SafeTensors.decode($0, path: stateURL.path) } ?? SafeTensors.read(contentsOf: stateURL)
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
        do {
            if let text = state.metadata["schedules"] {
                schedules = try decoder.decode([String: LearningRateSchedule].self, from: Data(text.utf8))
            } else if let text = state.metadata["schedule"] {
                // A state from before per-optimizer schedules: one schedule for every optimizer.
                let legacy = try decoder.decode(LegacySchedule.self, from: Data(text.utf8))
                for (name, _) in trainer.optimizers {
                    schedules[name] = LearningRateSchedule(legacy: options, baseLearningRate: initialLearningRates[name] ?? options.lr,
                                                           position: legacy.epoch, plateauFactor: legacy.plateauFactor,
                                                           best: legacy.best, badSteps: legacy.badEpochs)
                }
            }
            if let text = state.metadata["loss_sums"] { sums = try decoder.decode(LossSums.self, from: Data(text.utf8)) }
        } catch {
            throw fail("the saved schedules or loss sums cannot be read (\(error))")
        }
        epoch = savedEpoch
        batchInEpoch = savedBatch
        if let savedGlobal = state.metadata["global_batch"].flatMap(Int.init), savedGlobal > 0,
           source.globalBatchSize > 0, savedGlobal != source.globalBatchSize {
            batchInEpoch = savedBatch * savedGlobal / source.globalBatchSize
            log("the saved run used a global batch of \(savedGlobal) (\(state.metadata["ranks"] ?? "?") rank(s)), this one "
                + "\(source.globalBatchSize): epoch \(savedEpoch) continues at sample \(batchInEpoch * source.globalBatchSize) "
                + "of its order (batch \(batchInEpoch)), iteration \(savedIteration)")
        }
        iteration = savedIteration
        phaseIndex = state.metadata["phase"].flatMap(Int.init) ?? 0
        phaseStartIteration = state.metadata["phase_start_iteration"].flatMap(Int.init) ?? 0
        phaseStartEpoch = state.metadata["phase_start_epoch"].flatMap(Int.init) ?? options.epochCount
        if let data = try? Data(contentsOf: epochsURL), let summaries = try? decoder.decode([EpochSummary].self, from: data) {
            epochSummaries = summaries.filter { $0.epoch < epoch }
        }
        // Log lines written after the saved iteration belong to work that was lost: drop them.
        guard parallel.group.isWriter else { return }
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

    /// The fields of the single schedule saved before per-optimizer schedules.
    struct LegacySchedule: Decodable { var epoch: Int; var plateauFactor: Double; var best: Double; var badEpochs: Int }

    func jsonString<V: Encodable>(_ value: V) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
