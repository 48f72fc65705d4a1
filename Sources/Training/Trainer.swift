import Foundation
import Tensors

/// A training recipe (Pix2Pix, colorization, CycleGAN, SRGAN): owns its networks, optimizers and
/// loss weights. One `TrainingLoop` runs epochs, schedules, logging, samples and checkpoints for all.
public protocol Trainer: AnyObject {
    associatedtype Batch

    /// Every network's parameters and running statistics under checkpoint names, by the network's
    /// log name ("G", "D", "G_A", "D_B"). Names are the reference's state-dict keys.
    var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] { get }

    /// The optimizers, by name ("G", "D"), whose learning rate follows the schedule.
    var optimizers: [(name: String, optimizer: any Optimizer)] { get }

    /// The phases of training, in order (SRGAN: "pretrain" with G's pixel loss, then "gan"). The
    /// default is one phase, "train", that lasts the whole run and uses every optimizer.
    var phases: [TrainingPhase] { get }

    /// One optimisation step in the reference's order; returns losses by name for the log.
    /// `context` says where the run is: epoch, iteration, the phase and the iteration within it.
    /// The loop calls this one. Implement it, or (a trainer with one phase) only `step(on:)`: each
    /// has a default that calls the other, so a trainer must implement at least one.
    func step(on batch: Batch, context: StepContext) -> [(name: String, value: Float)]

    /// One step without a context (tests, benchmarks; trainers that do not need one).
    func step(on batch: Batch) -> [(name: String, value: Float)]

    /// Images to show for `batch` (label, `[N, C, H, W]` in [-1, 1], RGB or single-channel), e.g.
    /// real_A / fake_B / real_B. Runs the generator without recording gradients.
    func visuals(for batch: Batch) -> [(label: String, image: Tensor)]

    /// Random sources the trainer draws from (dropout masks, image pool), saved for exact resume.
    var randomSources: [(name: String, source: RandomSource)] { get }

    /// Trainer state besides weights and optimizers (image pools), for exact resume.
    func extraState() -> [(name: String, tensor: Tensor)]
    func loadExtraState(_ tensors: [String: Tensor]) throws

    /// Writes each network as a self-describing inference checkpoint (`{tag}_net_{name}.safetensors`).
    func saveNetworks(tag: String, in folder: URL, step: Int) throws
}

extension BatchSource {
    public var globalBatchSize: Int { 0 }
}

extension Trainer {
    public var phases: [TrainingPhase] { [TrainingPhase(name: "train", optimizers: optimizers.map(\.name))] }

    /// One step outside a `TrainingLoop`: epoch 1, iteration 1 of the first phase.
    public func step(on batch: Batch) -> [(name: String, value: Float)] {
        let first = phases.first?.name ?? "train"
        return step(on: batch, context: StepContext(epoch: 1, iteration: 1, iterationInPhase: 1, phase: first, phaseIndex: 0))
    }

    /// For a trainer that implements only `step(on:)`: the context is ignored.
    public func step(on batch: Batch, context: StepContext) -> [(name: String, value: Float)] {
        step(on: batch)
    }

    public func extraState() -> [(name: String, tensor: Tensor)] { [] }
    public func loadExtraState(_ tensors: [String: Tensor]) throws {}
}

/// Where batches come from: a fixed number per epoch, reproducible from (seed, epoch), so a run
/// resumed in the middle of an epoch sees exactly the batches it would have seen.
public protocol BatchSource {
    associatedtype Batch
    /// Batches in one epoch.
    var batchesPerEpoch: Int { get }
    /// Samples in one batch of all ranks together (0: unknown). A resumed run whose global batch
    /// differs maps its saved batch position through it.
    var globalBatchSize: Int { get }
    /// The batches of `epoch` (1-based), starting at batch index `start`.
    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<Batch, Error>>
}

/// A stretch of training with its own active optimizers, losses and (optionally) schedules.
public struct TrainingPhase: Sendable, Equatable {
    /// How long a phase lasts. `.epochs(n)` ends at the end of the n-th epoch counted from the one it
    /// started in; `.untilEnd` runs until the last epoch or `--max-steps`.
    public enum Length: Sendable, Equatable { case iterations(Int), epochs(Int), untilEnd }

    /// The phase's name in logs and in `StepContext` ("train", "pretrain", "gan").
    public var name: String
    public var length: Length
    /// Names (from `Trainer.optimizers`) of the optimizers that step in this phase; the loop advances
    /// and applies only their schedules.
    public var optimizers: [String]
    /// Loss names `step` returns in this phase (for `--lr-monitor` validation); empty means "not declared".
    public var losses: [String]
    /// Schedules of this phase by optimizer name; they start at the phase's first iteration. An
    /// active optimizer without one follows the run's schedule built from the options (`lr_policy`,
    /// its position shared by every phase that uses it).
    public var schedules: [String: LearningRateSchedule]

    public init(name: String, length: Length = .untilEnd, optimizers: [String], losses: [String] = [],
                schedules: [String: LearningRateSchedule] = [:]) {
        self.name = name
        self.length = length
        self.optimizers = optimizers
        self.losses = losses
        self.schedules = schedules
    }
}

/// Where one `Trainer.step` call sits in the run.
public struct StepContext: Sendable, Equatable {
    /// 1-based epoch (from `epoch_count`).
    public var epoch: Int
    /// 1-based number of this step in the whole run.
    public var iteration: Int
    /// 1-based number of this step within its phase.
    public var iterationInPhase: Int
    /// The phase's name and index in `Trainer.phases`.
    public var phase: String
    public var phaseIndex: Int

    public init(epoch: Int, iteration: Int, iterationInPhase: Int, phase: String, phaseIndex: Int) {
        self.epoch = epoch
        self.iteration = iteration
        self.iterationInPhase = iterationInPhase
        self.phase = phase
        self.phaseIndex = phaseIndex
    }
}
