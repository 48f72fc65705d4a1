import DatasetRegistry
import Foundation
import ImageDatasets
import Kernels
import Training

/// Unpaired (CycleGAN) batches: trainA and trainB images drawn independently.
public typealias UnpairedLoaderSource = LoaderSource<UnpairedBatch>

extension UnpairedBatch {
    /// A collated unpaired batch: `a` from the input domain, `b` from the other (swapped by `--direction BtoA`).
    public init(_ batch: PairBatch) {
        self.init(realA: batch.a, realB: batch.b, pathsA: batch.pathsA, pathsB: batch.pathsB)
    }
}

/// Whether a recipe's dataset is there, or its sample preset runs instead.
enum SampleChoice {
    /// nil when `dataset` holds a complete copy (by the registry's folders and counts when the
    /// registry knows it, else trainA/ and trainB/ with images); otherwise the one line telling the
    /// user that the sample is used and how to fetch the full set.
    static func message(dataset: String, sample: String) throws -> String? {
        let datasetURL = URL(fileURLWithPath: dataset)
        let name = datasetURL.lastPathComponent
        if let catalog = try? DatasetCatalog.loadDefault(), let entry = try? catalog.entry(named: name) {
            let choice = try TrainingDataChoice.choose(entry: entry, datasetsFolder: datasetURL.deletingLastPathComponent(),
                                                       sampleFolder: URL(fileURLWithPath: sample))
            return choice.isSample ? choice.message : nil
        }
        let complete = ["trainA", "trainB"].allSatisfy {
            DatasetCompleteness.imageCount(in: datasetURL.appendingPathComponent($0)) > 0
        }
        return complete ? nil : "training on the small built-in sample \(sample) (\(dataset) is not there); "
            + "for the full set run `translate datasets fetch \(name)`"
    }
}

extension TrainingRun {
    /// CycleGAN on `dataroot/trainA` + `dataroot/trainB` (the reference's `unaligned` layout), then the
    /// recipe's inference steps with G_A or G_B and its check, and the report.
    func trainCycleGAN() throws -> TrainingLoop<CycleGANTrainer, UnpairedLoaderSource>.Outcome {
        let trainer = try CycleGANTrainer(options: options)
        let diagnostics = DatasetDiagnostics()
        let data = DatasetOptions(training: options)
        let dataset: UnpairedFolderDataset
        do {
            dataset = try UnpairedFolderDataset(root: options.dataroot, phase: "train", options: data, diagnostics: diagnostics)
        } catch {
            throw OptionError("\(error)")
        }
        let loader = BatchLoader(dataset: dataset, batchSize: options.batchSize, options: data, seed: options.seed,
                                 workers: options.numThreads, diagnostics: diagnostics, shard: shard)
        let loop = makeLoop(trainer: trainer, source: UnpairedLoaderSource(loader, UnpairedBatch.init))
        log("training cycle_gan \(options.name): \(dataset.inputFiles.count) + \(dataset.targetFiles.count) images, "
            + "G \(options.netG.rawValue) (\(trainer.generatorA.parameterCount) parameters each), "
            + "D \(options.netD.rawValue) (\(trainer.discriminatorA.parameterCount) each), \(Parallel.threadCount) thread(s), "
            + "run folder \(runFolder.path)")
        let outcome = try loop.run()
        diagnostics.reportSummary()
        guard outcome == .finished, group.isWriter else { return outcome }
        var outputs: [String: (input: String, output: String)] = [:]
        for step in recipe?.inference ?? [] {
            let network = step.network ?? "G_A"
            guard network == "G_A" || network == "G_B" else {
                throw OptionError("inference step \(step.input) → \(step.output): cycle_gan has generators G_A and G_B, not \(network)")
            }
            let (input, output) = paths(of: step)
            let checkpoint = runFolder.appendingPathComponent("latest_net_\(network).safetensors")
            let result = try InferenceStepResult.run(checkpoint: checkpoint, input: input, output: output, colorize: false, log: log)
            outputs[network] = (input, output)
            let arrow = network == "G_A" ? "A → B" : "B → A"
            loop.reportSections.append((heading: "Inference with \(network) (\(arrow)): \(step.input) → \(step.output)",
                                        rows: result.rows))
            loop.reportGalleries.append((heading: "\(network) (\(arrow)): \(step.input) → \(step.output)", images: result.gallery))
        }
        if recipe?.check == .stripeShare {
            if let forward = outputs["G_A"], let backward = outputs["G_B"] {
                let comparison = try StripeShareComparison.measure(
                    realA: URL(fileURLWithPath: forward.input), fakeB: URL(fileURLWithPath: forward.output),
                    realB: URL(fileURLWithPath: backward.input), fakeA: URL(fileURLWithPath: backward.output))
                let rows: [(String, String)] = [
                    ("stripe share of testA (horses)", String(format: "%.3f", comparison.realA)),
                    ("stripe share of G_A(testA)", String(format: "%.3f", comparison.fakeB)),
                    ("stripe share of testB (zebras)", String(format: "%.3f", comparison.realB)),
                    ("stripe share of G_B(testB)", String(format: "%.3f", comparison.fakeA)),
                    ("stripes added by G_A (share of the gap A→B)", String(format: "%.0f %%", 100 * comparison.stripesAdded)),
                    ("stripes removed by G_B (share of the gap B→A)", String(format: "%.0f %%", 100 * comparison.stripesRemoved)),
                    ("translates both ways (≥ 50 % of the gap each)", comparison.translatesBothWays() ? "yes" : "no"),
                ]
                loop.reportSections.append((heading: "Check: stripe share (near-black/near-white, colourless pixels)", rows: rows))
                log("check: \(comparison)")
            } else {
                log("note: the stripe-share check needs one inference step with G_A and one with G_B")
            }
        }
        try loop.writeReport()
        log("translate more with: translate apply --checkpoint \(runFolder.appendingPathComponent("latest_net_G_A.safetensors").path)"
            + " IN OUT (A → B; latest_net_G_B for B → A)")
        log("report: \(runFolder.appendingPathComponent("report.html").path)")
        return outcome
    }
}
