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

    /// One optimisation step in the reference's order; returns losses by name for the log.
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

extension Trainer {
    public func extraState() -> [(name: String, tensor: Tensor)] { [] }
    public func loadExtraState(_ tensors: [String: Tensor]) throws {}
}

/// Where batches come from: a fixed number per epoch, reproducible from (seed, epoch), so a run
/// resumed in the middle of an epoch sees exactly the batches it would have seen.
public protocol BatchSource {
    associatedtype Batch
    /// Batches in one epoch.
    var batchesPerEpoch: Int { get }
    /// The batches of `epoch` (1-based), starting at batch index `start`.
    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<Batch, Error>>
}
