import ArgumentParser
import Foundation
import ImageDatasets
import Kernels
import Training

/// The training loop's view of a `BatchLoader` over an unpaired (CycleGAN) dataset: epochs
/// reproducible from (seed, epoch), a resumed epoch starting at the batch it stopped at.
struct UnpairedLoaderSource: BatchSource {
    let batchesPerEpoch: Int
    let makeBatches: (Int, Int) throws -> AnyIterator<Result<PairBatch, Error>>

    init<D: ImageDataset>(_ loader: BatchLoader<D>) where D.Sample.Batch == PairBatch {
        batchesPerEpoch = loader.batchesPerEpoch
        makeBatches = { epoch, start in try loader.batches(epoch: epoch, startingAt: start) }
    }

    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<UnpairedBatch, Error>> {
        let batches = try makeBatches(epoch, start)
        return AnyIterator { batches.next().map { $0.map(UnpairedBatch.init) } }
    }
}

extension UnpairedBatch {
    /// A collated unpaired batch: `a` from the input domain, `b` from the other (swapped by `--direction BtoA`).
    init(_ batch: PairBatch) {
        self.init(realA: batch.a, realB: batch.b, pathsA: batch.pathsA, pathsB: batch.pathsB)
    }
}

extension TrainingRun {
    /// CycleGAN on `dataroot/trainA` + `dataroot/trainB` (the reference's `unaligned` layout).
    func trainCycleGAN() throws {
        let trainer: CycleGANTrainer
        do { trainer = try CycleGANTrainer(options: options) } catch let error as OptionError {
            throw ValidationError(error.message)
        }
        let diagnostics = DatasetDiagnostics()
        let data = datasetOptions
        let dataset: UnpairedFolderDataset
        do {
            dataset = try UnpairedFolderDataset(root: options.dataroot, phase: "train", options: data, diagnostics: diagnostics)
        } catch {
            throw ValidationError("\(error)")
        }
        let loader = BatchLoader(dataset: dataset, batchSize: options.batchSize, options: data, seed: options.seed,
                                 workers: options.numThreads, diagnostics: diagnostics)
        let loop = TrainingLoop(trainer: trainer, source: UnpairedLoaderSource(loader), options: options, runFolder: runFolder,
                                writeImage: Self.writePNG)
        FileHandle.standardError.write(Data(("training cycle_gan \(options.name): \(dataset.inputFiles.count) + "
            + "\(dataset.targetFiles.count) images, G \(options.netG) (\(trainer.generatorA.parameterCount) parameters each), "
            + "D \(options.netD) (\(trainer.discriminatorA.parameterCount) each), \(Parallel.threadCount) thread(s), "
            + "run folder \(runFolder.path)\n").utf8))
        let outcome = try loop.run()
        diagnostics.reportSummary()
        guard outcome == .finished else { return }
        if recipe?.evaluationSplit != nil || !(recipe?.inference ?? []).isEmpty {
            // TODO: recipe evaluation and inference steps name no direction; they run for pix2pix only so far.
            FileHandle.standardError.write(Data(("note: the recipe's evaluation/inference steps are not run for cycle_gan; "
                + "use translate apply with latest_net_G_A or latest_net_G_B\n").utf8))
        }
        FileHandle.standardError.write(Data(("translate with: translate apply --checkpoint "
            + "\(runFolder.appendingPathComponent("latest_net_G_A.safetensors").path) IN OUT (A → B; G_B for B → A)\n"
            + "report: \(runFolder.appendingPathComponent("report.html").path)\n").utf8))
    }
}
