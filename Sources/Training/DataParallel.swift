import Distributed
import Foundation
import Tensors

/// Data parallelism over a `ProcessGroup`: each rank computes gradients on its share of the global
/// batch; before every optimizer step their mean over the ranks replaces each rank's gradients, so
/// every rank applies the same update and the weights stay identical (as PyTorch's DDP).
///
/// With losses that are means over the batch (all of ours), the mean of the ranks' gradients is the
/// gradient of one process on the whole global batch. Batch norm keeps per-rank statistics.
public final class DataParallel {
    public let group: any ProcessGroup
    /// Floats per allreduce call: gradients are packed into buckets of this size.
    public let bucketElements: Int
    /// Seconds spent in gradient allreduces (packing included), and their count, since creation.
    /// `waitSeconds` is the part spent waiting for the slowest rank to reach the step (measured by
    /// a one-value allreduce first), so `allreduceSeconds - waitSeconds` is the transfer itself.
    public private(set) var allreduceSeconds = 0.0
    public private(set) var waitSeconds = 0.0
    public private(set) var allreduceCalls = 0
    /// Bytes of gradients averaged since creation.
    public private(set) var gradientBytes = 0
    private var bucket: [Float] = []

    public init(group: any ProcessGroup, bucketElements: Int = 1 << 22) {
        self.group = group
        self.bucketElements = max(1, bucketElements)
    }

    /// Makes every optimizer average its gradients over the ranks before it steps. A single process
    /// keeps its optimizers as they are.
    public func attach(to optimizers: [any Optimizer]) {
        guard group.size > 1 else { return }
        for optimizer in optimizers {
            optimizer.beforeStep = { [self] parameters in
                do { try self.averageGradients(parameters) } catch {
                    FileHandle.standardError.write(Data("rank \(self.group.rank): \(error)\n".utf8))
                    self.group.abort(code: 1)
                }
            }
        }
    }

    /// Replaces the gradient of each parameter that has one by its mean over the ranks, in buckets
    /// of `bucketElements` floats (a tensor larger than a bucket goes alone, in pieces).
    public func averageGradients(_ parameters: [(name: String, parameter: Parameter)]) throws {
        let start = Date()
        var ready = [0.0]
        try group.allreduceSum(&ready)
        waitSeconds += Date().timeIntervalSince(start)
        let withGradient = parameters.compactMap { entry in entry.parameter.gradient.map { (entry.parameter, $0) } }
        let scale = 1 / Float(group.size)
        var pending: [(Parameter, Tensor)] = []
        var filled = 0
        let total = withGradient.reduce(0) { $0 + $1.1.scalarCount }
        gradientBytes += total * 4
        func flush() throws {
            guard !pending.isEmpty else { return }
            try bucket.withUnsafeMutableBufferPointer { buffer in
                try group.allreduceSum(buffer.baseAddress!, count: filled)
                var offset = 0
                for (parameter, gradient) in pending {
                    let averaged = Tensor.uninitialized(gradient.shape)
                    let target = averaged.storage.pointer
                    for i in 0..<gradient.scalarCount { target[i] = buffer[offset + i] * scale }
                    parameter.gradient = averaged
                    offset += gradient.scalarCount
                }
            }
            pending = []
            filled = 0
        }
        for (parameter, gradient) in withGradient {
            let count = gradient.scalarCount
            if filled + count > bucketElements { try flush() }
            let needed = max(filled + count, min(bucketElements, total))
            if bucket.count < needed { bucket += [Float](repeating: 0, count: needed - bucket.count) }
            bucket.withUnsafeMutableBufferPointer { buffer in
                (buffer.baseAddress! + filled).update(from: gradient.storage.pointer, count: count)
            }
            pending.append((parameter, gradient))
            filled += count
        }
        try flush()
        allreduceSeconds += Date().timeIntervalSince(start)
        allreduceCalls += 1
    }

    /// The mean of each value over the ranks (losses for the log), plus whether any rank asked to
    /// stop (`stop` true on at least one rank): one small allreduce per step.
    public func averageLosses(_ losses: [(name: String, value: Float)], stop: Bool) throws
        -> (losses: [(name: String, value: Float)], stop: Bool) {
        guard group.size > 1 else { return (losses, stop) }
        var values = losses.map { Double($0.value) } + [stop ? 1 : 0]
        try group.allreduceSum(&values)
        let mean = losses.enumerated().map { ($0.element.name, Float(values[$0.offset] / Double(group.size))) }
        return (mean, values[losses.count] > 0)
    }

    /// One line on the gradient traffic of `steps` steps: time in allreduce and bytes per step.
    public func summary(steps: Int) -> String {
        let perStep = Double(max(1, steps))
        return String(format: "data parallel: %d steps on %d ranks, gradient allreduce %.1f ms per step (%.1f MB of gradients per step, "
                          + "%d calls) plus %.1f ms per step waiting for the slowest rank",
                      steps, group.size, 1000 * (allreduceSeconds - waitSeconds) / perStep, Double(gradientBytes) / perStep / 1e6,
                      allreduceCalls, 1000 * waitSeconds / perStep)
    }

    /// A 64-bit FNV-1a hash of the bit patterns of every trainable parameter, in order.
    public static func checksum(_ networks: [(name: String, parameters: [(name: String, parameter: Parameter)])]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for (_, parameters) in networks {
            for (_, parameter) in parameters where parameter.isTrainable {
                let value = parameter.value
                let pointer = value.storage.pointer
                for i in 0..<value.scalarCount {
                    hash = (hash ^ UInt64(pointer[i].bitPattern)) &* 0x0000_0100_0000_01B3
                }
            }
        }
        return hash
    }

    /// Checks that every rank holds the same trainable weights.
    /// - Throws: `TrainingError` when they differ (a rank diverged: different data or library
    ///   versions, a hardware fault), naming the iteration.
    public func verifyIdenticalWeights(_ networks: [(name: String, parameters: [(name: String, parameter: Parameter)])],
                                       iteration: Int) throws {
        guard group.size > 1 else { return }
        let hash = Self.checksum(networks)
        var values = [hash, ~hash]
        try group.allreduceMax(&values)
        // max(h) == min(h) exactly when every rank has the same hash (min(h) = ~max(~h)).
        guard values[0] == ~values[1] else {
            throw TrainingError("the \(group.size) ranks hold different weights at iteration \(iteration) (checksums differ); "
                + "the run stopped. Check that every host runs the same translate build and reads the same dataset, then resume.")
        }
    }

    /// Rank `root`'s bytes on every rank.
    public func broadcast(_ data: Data, root: Int = 0) throws -> Data {
        var copy = data
        try group.broadcast(&copy, root: root)
        return copy
    }

    /// Copies rank 0's trainable and non-trainable values of every network to every rank (after
    /// rank 0 alone read `--init-from` files).
    public func broadcastWeights(_ networks: [(name: String, parameters: [(name: String, parameter: Parameter)])]) throws {
        guard group.size > 1 else { return }
        var tensors: [(name: String, tensor: Tensor)] = []
        for (network, parameters) in networks {
            for (name, parameter) in parameters { tensors.append(("\(network).\(name)", parameter.value)) }
        }
        let bytes = group.isWriter ? try SafeTensors.encode(.init(tensors: tensors, metadata: [:])) : Data()
        let received = try SafeTensors.decode(try broadcast(bytes), path: "weights from rank 0")
        let values = Dictionary(received.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (network, parameters) in networks {
            for (name, parameter) in parameters {
                guard let value = values["\(network).\(name)"], value.shape == parameter.shape else {
                    throw TrainingError("rank \(group.rank): rank 0 sent no weights for \(network).\(name) of shape \(parameter.shape)")
                }
                parameter.value = value
            }
        }
    }

    /// A generator for rank `rank` derived from `generator`: rank 0 keeps it, the others get
    /// independent streams (their dropout masks and pool draws must differ).
    public static func stream(_ generator: SeededGenerator, rank: Int) -> SeededGenerator {
        guard rank > 0 else { return generator }
        var mixer = generator
        var seed = mixer.next() ^ (UInt64(rank) &* 0x9E37_79B9_7F4A_7C15)
        seed = (seed ^ (seed >> 31)) &* 0xBF58_476D_1CE4_E5B9
        return SeededGenerator(seed: seed)
    }
}
