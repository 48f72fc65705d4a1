import Foundation
import ImageCodecs
import Tensors

/// One rank's share of every global batch: with `count` ranks a global batch holds
/// `count × batchSize` consecutive positions of the epoch's order (the same order on every
/// rank) and rank `rank` takes the `rank`-th run of `batchSize` of them. A last, shorter global
/// batch is split evenly, padded by repeating the epoch's first samples (as PyTorch's
/// DistributedSampler), so every rank steps the same number of times.
public struct BatchShard: Sendable, Equatable {
    public var rank: Int
    public var count: Int
    public init(rank: Int, count: Int) {
        precondition(count >= 1 && rank >= 0 && rank < count, "BatchShard: rank \(rank) of \(count)")
        self.rank = rank
        self.count = count
    }
    /// The whole batch: one process.
    public static let whole = BatchShard(rank: 0, count: 1)
}

/// Batches of a dataset, decoded by background threads into a bounded queue.
///
/// Reproducible: the sample order of epoch e and the random draws of each sample come from
/// generators seeded by (seed, e, position), never from which thread got there first, so a
/// seed gives the same batches whatever the worker count.
///
/// Unreadable or damaged files are skipped (one warning line each, a count at the end of the
/// epoch) and replaced by the next sample in the dataset, unless `strict`, which makes the first
/// such file an error. Problems that are not about one file's bytes (a crop larger than an
/// image, mismatched batch sizes) always stop the epoch with their error.
public final class BatchLoader<Dataset: ImageDataset>: @unchecked Sendable {
    public typealias Batch = Dataset.Sample.Batch

    public let dataset: Dataset
    public let batchSize: Int
    /// Visit samples in a new random order every epoch (the reference: unless `--serial_batches`).
    public let shuffle: Bool
    /// Leave out a last batch smaller than `batchSize`.
    public let dropLast: Bool
    public let seed: UInt64
    /// Background decoding threads; 0 decodes on the calling thread.
    public let workers: Int
    /// Batches decoded ahead of the consumer, at most.
    public let prefetch: Int
    public let strict: Bool
    public let diagnostics: DatasetDiagnostics
    /// This process's part of each batch in a data-parallel run (the whole batch by default).
    public let shard: Shard

    public typealias Shard = BatchShard

    /// - Parameters:
    ///   - batchSize: samples per batch (the reference's `--batch_size`).
    ///   - workers: decoding threads (the reference's `--num_threads`); 0 decodes in `next()`.
    ///   - prefetch: batches kept ready; default twice the workers.
    ///   - diagnostics: where skipped files are reported; pass the dataset's to get one list.
    public init(
        dataset: Dataset, batchSize: Int = 1, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0,
        workers: Int = 2, prefetch: Int? = nil, strict: Bool = false,
        diagnostics: DatasetDiagnostics = DatasetDiagnostics(), shard: Shard = .whole
    ) {
        precondition(batchSize >= 1, "BatchLoader: batch size \(batchSize) must be at least 1")
        precondition(workers >= 0, "BatchLoader: \(workers) workers")
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.workers = workers
        self.prefetch = max(1, prefetch ?? 2 * max(1, workers))
        self.strict = strict
        self.diagnostics = diagnostics
        self.shard = shard
    }

    /// Shuffle and strictness from the reference options (`serialBatches`, `strict`).
    public convenience init(
        dataset: Dataset, batchSize: Int = 1, options: DatasetOptions, seed: UInt64 = 0,
        workers: Int = 2, diagnostics: DatasetDiagnostics = DatasetDiagnostics(), shard: Shard = .whole
    ) {
        self.init(
            dataset: dataset, batchSize: batchSize, shuffle: !options.serialBatches, seed: seed, workers: workers,
            strict: options.strict, diagnostics: diagnostics, shard: shard)
    }

    /// Samples in one global batch (all ranks together).
    public var globalBatchSize: Int { batchSize * shard.count }

    /// Batches in one epoch (global batches: every rank steps this many times).
    public var batchesPerEpoch: Int {
        dropLast ? dataset.count / globalBatchSize : (dataset.count + globalBatchSize - 1) / globalBatchSize
    }

    /// The dataset indices of epoch `epoch`, in visiting order.
    public func order(epoch: Int) -> [Int] {
        var indices = Array(0..<dataset.count)
        guard shuffle else { return indices }
        var rng = SeededGenerator(seed: Self.mix(seed, UInt64(bitPattern: Int64(epoch)), 0x5EED_0F_0DE5))
        // Fisher–Yates with our own bounded draws, so the order never depends on the standard
        // library's shuffle algorithm.
        for i in stride(from: indices.count - 1, to: 0, by: -1) {
            indices.swapAt(i, rng.nextInt(below: i + 1))
        }
        return indices
    }

    /// Starts decoding epoch `epoch` in the background from batch `start` on (a resumed run
    /// skips the batches it already trained on without decoding them); read it with `next()`.
    public func epoch(_ epoch: Int, startingAt start: Int = 0) -> Epoch {
        precondition(start >= 0, "BatchLoader.epoch: negative start \(start)")
        return Epoch(loader: self, number: epoch, start: start)
    }

    /// Epoch `epoch` from batch `start` on as an iterator of results (the shape of
    /// `Training.BatchSource`); it ends after the first failure.
    public func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<Batch, Error>> {
        let run = self.epoch(epoch, startingAt: start)
        var failed = false
        return AnyIterator {
            if failed { return nil }
            do {
                return try run.next().map { .success($0) }
            } catch {
                failed = true
                return .failure(error)
            }
        }
    }

    /// One pass over the dataset. Dropping it stops its workers.
    public final class Epoch {
        let state: EpochState
        let loader: BatchLoader
        let number: Int
        private let skippedBefore: Int
        private var summarized = false

        init(loader: BatchLoader, number: Int, start: Int) {
            self.loader = loader
            self.number = number
            skippedBefore = loader.diagnostics.skippedCount
            state = EpochState(order: loader.order(epoch: number), batchCount: loader.batchesPerEpoch)
            state.nextToClaim = min(start, state.batchCount)
            state.nextToDeliver = state.nextToClaim
            for _ in 0..<loader.workers {
                let thread = Thread { [state] in loader.work(state: state, epoch: number) }
                thread.name = "batch-loader"
                thread.start()
            }
        }

        deinit { cancel() }

        /// The next batch, or nil at the end of the epoch.
        /// - Throws: the first error of a strict run, or a dataset error that is not about one file.
        public func next() throws -> Batch? {
            let result: Result<Batch, Error>
            if loader.workers == 0 {
                guard state.nextToDeliver < state.batchCount else { return finish() }
                let index = state.nextToDeliver
                state.nextToDeliver += 1
                result = Result { try loader.makeBatch(index, order: state.order, epoch: number) }
            } else {
                state.condition.lock()
                guard state.nextToDeliver < state.batchCount, !state.cancelled else {
                    state.condition.unlock()
                    return finish()
                }
                while state.results[state.nextToDeliver] == nil { state.condition.wait() }
                result = state.results.removeValue(forKey: state.nextToDeliver)!
                state.nextToDeliver += 1
                state.condition.broadcast()
                state.condition.unlock()
            }
            switch result {
            case .success(let batch): return batch
            case .failure(let error):
                cancel()
                throw error
            }
        }

        /// Stops the workers; `next()` then returns nil.
        public func cancel() {
            state.condition.lock()
            state.cancelled = true
            state.condition.broadcast()
            state.condition.unlock()
        }

        private func finish() -> Batch? {
            if !summarized && loader.diagnostics.skippedCount > skippedBefore { loader.diagnostics.reportSummary() }
            summarized = true
            return nil
        }
    }

    /// Shared between an epoch's consumer and its workers, guarded by `condition`.
    final class EpochState: @unchecked Sendable {
        let condition = NSCondition()
        let order: [Int]
        let batchCount: Int
        var results: [Int: Result<Batch, Error>] = [:]
        var nextToClaim = 0
        var nextToDeliver = 0
        var cancelled = false

        init(order: [Int], batchCount: Int) {
            self.order = order
            self.batchCount = batchCount
        }
    }

    // MARK: - Workers

    private func work(state: EpochState, epoch: Int) {
        state.condition.lock()
        while true {
            // Bounded queue: claim a batch only while fewer than `prefetch` are ahead of the consumer.
            while !state.cancelled && state.nextToClaim < state.batchCount
                && state.nextToClaim - state.nextToDeliver >= prefetch
            {
                state.condition.wait()
            }
            if state.cancelled || state.nextToClaim >= state.batchCount { break }
            let index = state.nextToClaim
            state.nextToClaim += 1
            state.condition.unlock()
            let result = Result { try makeBatch(index, order: state.order, epoch: epoch) }
            state.condition.lock()
            state.results[index] = result
            state.condition.broadcast()
        }
        state.condition.unlock()
    }

    /// Batch `index` of an epoch visiting `order`.
    func makeBatch(_ index: Int, order: [Int], epoch: Int) throws -> Batch {
        let range = positions(ofBatch: index, count: order.count)
        var samples: [Dataset.Sample] = []
        samples.reserveCapacity(range.count)
        for position in range {
            samples.append(try sample(position: position, order: order, epoch: epoch))
        }
        return try Dataset.Sample.collate(samples)
    }

    /// The epoch positions of this shard's part of batch `index` (positions past the end wrap to the
    /// start of the order: the padding of a short last global batch).
    public func positions(ofBatch index: Int, count: Int) -> Range<Int> {
        let start = index * globalBatchSize
        let end = min(start + globalBatchSize, count)
        guard shard.count > 1 else { return start..<end }
        let share = end - start < globalBatchSize ? (end - start + shard.count - 1) / shard.count : batchSize
        return (start + shard.rank * share)..<(start + (shard.rank + 1) * share)
    }

    /// The sample at `position`, or in place of an unreadable one the next readable sample of the
    /// dataset. Each attempt draws from its own generator, seeded by (seed, epoch, position, attempt).
    private func sample(position: Int, order: [Int], epoch: Int) throws -> Dataset.Sample {
        var index = order[position % order.count]
        var attempt: UInt64 = 0
        while true {
            var rng = SeededGenerator(seed: Self.mix(seed, UInt64(bitPattern: Int64(epoch)), UInt64(position), attempt))
            do {
                return try dataset.sample(at: index, using: &rng)
            } catch {
                guard !strict, Self.isAboutOneFile(error) else { throw error }
                diagnostics.skip(error, fallbackPath: "sample \(index)")
                attempt += 1
                if attempt >= UInt64(dataset.count) {
                    throw ImageDatasetError(
                        .noUsableImages,
                        "no sample could be read: \(attempt) files in a row were unreadable or damaged")
                }
                index = (index + 1) % dataset.count
            }
        }
    }

    /// Bad bytes in one file (skippable) as opposed to a layout or option problem.
    static func isAboutOneFile(_ error: Error) -> Bool {
        switch error {
        case is ImageCodecError: true
        case let error as ImageDatasetError: error.code == .damagedImage
        default: false
        }
    }

    /// SplitMix64 over the words: a well-spread seed for each (seed, epoch, position, attempt).
    static func mix(_ words: UInt64...) -> UInt64 {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for word in words {
            state ^= word
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            state = z ^ (z >> 31)
        }
        return state
    }
}
