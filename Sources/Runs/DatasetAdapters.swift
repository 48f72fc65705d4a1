import Foundation
import ImageDatasets
import Tensors
import Training

// MARK: - Options → dataset options

extension DatasetOptions {
    /// The dataset settings of a training run. Colorization makes L and ab itself from RGB photos, so
    /// its folders hold 3-channel images whatever `input_nc`/`output_nc` say.
    public init(training options: TrainOptions) {
        self.init()
        switch options.direction {
        case .AtoB: direction = .aToB
        case .BtoA: direction = .bToA
        }
        switch options.preprocess {
        case .resizeAndCrop: preprocess = .resizeAndCrop
        case .crop: preprocess = .crop
        case .scaleWidth: preprocess = .scaleWidth
        case .scaleWidthAndCrop: preprocess = .scaleWidthAndCrop
        case .none: preprocess = .none
        }
        loadSize = options.loadSize
        cropSize = options.cropSize
        noFlip = options.noFlip
        maxDatasetSize = options.maxDatasetSize == Int.max ? nil : options.maxDatasetSize
        serialBatches = options.serialBatches
        inputChannels = options.model == .colorization ? 3 : options.inputNC
        outputChannels = options.model == .colorization ? 3 : options.outputNC
        strict = options.strict
        scale = options.scale
    }

    /// The reference's test-time preprocessing for held-out evaluation: no crop, no flip, in order,
    /// images resized to the training crop size.
    public func forEvaluation(cropSize: Int) -> DatasetOptions {
        var data = self
        data.noFlip = true
        data.serialBatches = true
        data.preprocess = .resizeAndCrop
        data.loadSize = cropSize
        data.cropSize = cropSize
        return data
    }
}

// MARK: - Paired datasets

/// A paired dataset (aligned folders or colorization) behind one interface: single pairs for
/// evaluation, a `BatchSource` for the training loop.
public protocol PairDatasetBox {
    var count: Int { get }
    /// Sample `index` as a batch of one.
    func pair(at index: Int, using rng: inout SeededGenerator) throws -> PairedBatch
    func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics,
                shard: BatchShard) -> PairLoaderSource
}

extension PairDatasetBox {
    /// The whole batch in one process.
    public func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics)
        -> PairLoaderSource {
        source(batchSize: batchSize, options: options, seed: seed, workers: workers, diagnostics: diagnostics, shard: .whole)
    }
}

/// Any dataset whose samples are (A, B) pairs: aligned folders and colorization (L, ab).
public struct PairDataset<D: ImageDataset>: PairDatasetBox where D.Sample == PairSample {
    public let dataset: D
    public init(dataset: D) { self.dataset = dataset }
    public var count: Int { dataset.count }
    public func pair(at index: Int, using rng: inout SeededGenerator) throws -> PairedBatch {
        PairedBatch(try PairSample.collate([try dataset.sample(at: index, using: &rng)]))
    }
    public func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics,
                       shard: BatchShard) -> PairLoaderSource {
        PairLoaderSource(BatchLoader(dataset: dataset, batchSize: batchSize, options: options, seed: seed, workers: workers,
                                     diagnostics: diagnostics, shard: shard), PairedBatch.init)
    }
}

extension PairedBatch {
    /// The trainer's view of a loader batch.
    public init(_ batch: PairBatch) {
        self.init(realA: batch.a, realB: batch.b, paths: batch.pathsA)
    }
}

/// The training loop's view of a `BatchLoader` whose collated batches become the trainer's `Batch`
/// (`PairedBatch` for pix2pix, `UnpairedBatch` for CycleGAN): epochs reproducible from (seed, epoch);
/// a resumed epoch starts at the batch it stopped at without decoding the ones before.
public struct LoaderSource<Batch>: BatchSource {
    public let batchesPerEpoch: Int
    public let globalBatchSize: Int
    let makeBatches: (Int, Int) throws -> AnyIterator<Result<PairBatch, Error>>
    let convert: (PairBatch) -> Batch

    public init<D: ImageDataset>(_ loader: BatchLoader<D>, _ convert: @escaping (PairBatch) -> Batch)
    where D.Sample.Batch == PairBatch {
        batchesPerEpoch = loader.batchesPerEpoch
        globalBatchSize = loader.globalBatchSize
        makeBatches = { epoch, start in try loader.batches(epoch: epoch, startingAt: start) }
        self.convert = convert
    }

    public func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<Batch, Error>> {
        let batches = try makeBatches(epoch, start)
        let convert = self.convert
        return AnyIterator { batches.next().map { $0.map(convert) } }
    }
}

/// Aligned and colorization pairs for Pix2Pix.
public typealias PairLoaderSource = LoaderSource<PairedBatch>

/// The folder of one split: `dataroot/<split>` when it exists (the reference layout), else `dataroot`.
public func splitFolder(_ dataroot: String, _ split: String) -> String {
    let candidate = (dataroot as NSString).appendingPathComponent(split)
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && isDirectory.boolValue
        ? candidate : dataroot
}

/// The paired dataset of `split` for `options.model` (aligned folders, or colorization photos).
/// - Throws: `OptionError` when the folder cannot be used (missing, empty, wrong layout).
public func makePairDataset(options: TrainOptions, split: String, data: DatasetOptions,
                            diagnostics: DatasetDiagnostics) throws -> any PairDatasetBox {
    let folder = splitFolder(options.dataroot, split)
    do {
        switch options.model {
        case .colorization:
            return PairDataset(dataset: try ColorizationDataset(directory: folder, options: data, diagnostics: diagnostics))
        case .pix2pix:
            return PairDataset(dataset: try PairedFolderDataset(directory: folder, options: data, diagnostics: diagnostics))
        case .cycle_gan, .srgan:
            throw OptionError("model \(options.model.rawValue) does not train on paired folders")
        }
    } catch let error as OptionError {
        throw error
    } catch {
        throw OptionError("\(error)")
    }
}
