import Foundation
import ImageCodecs
import ImageDatasets
import Runs
import Tensors
import Testing
import Training

/// The repository root, for the bundled sample datasets and recipes.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite struct EvaluationTests {
    @Test func psnrOfKnownImages() {
        let black = PixelBuffer(width: 4, height: 2, channels: 3, bytes: [UInt8](repeating: 0, count: 24))
        let gray16 = PixelBuffer(width: 4, height: 2, channels: 3, bytes: [UInt8](repeating: 16, count: 24))
        // MSE 256: 10·log10(255² / 256) = 24.0477 dB.
        #expect(abs(Evaluation.psnr(black, gray16) - 24.0477) < 1e-3)
        #expect(Evaluation.psnr(black, black) == 99)
        let half = PixelBuffer(width: 4, height: 2, channels: 3, bytes: (0..<24).map { $0 < 12 ? 0 : 16 })
        // MSE 128: 3.0103 dB more.
        #expect(abs(Evaluation.psnr(black, half) - 27.0580) < 1e-3)
        #expect(Evaluation.psnr(black, PixelBuffer(width: 2, height: 2, channels: 3, repeating: 0)).isNaN)
    }

    /// The identity "generator" on pairs whose B equals A gives L1 0 and the 99 dB cap; a generator
    /// that outputs zeros gives the mean |B|.
    @Test func evaluationAveragesOverTheDataset() throws {
        struct Pairs: PairDatasetBox {
            let pairs: [PairedBatch]
            var count: Int { pairs.count }
            func pair(at index: Int, using rng: inout SeededGenerator) throws -> PairedBatch { pairs[index] }
            func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics,
                        shard: BatchShard) -> PairLoaderSource { fatalError("not used") }
        }
        let a = Tensor(shape: [1, 3, 2, 2], scalars: [Float](repeating: 0.5, count: 12))
        let dataset = Pairs(pairs: [PairedBatch(realA: a, realB: a, paths: ["a"]), PairedBatch(realA: a, realB: a, paths: ["b"])])
        let identity = try #require(Evaluation.run(dataset: dataset, colorization: false, translate: { $0 }))
        #expect(identity == Evaluation(images: 2, meanL1: 0, meanPSNR: 99))
        let zeros = try #require(Evaluation.run(dataset: dataset, colorization: false, translate: { Tensor(zeros: $0.shape) }))
        #expect(abs(zeros.meanL1 - 0.5) < 1e-6 && zeros.images == 2)
        #expect(zeros.rows.map(\.0) == ["images", "mean L1 (G(A) vs B, [-1,1])", "mean PSNR (dB, RGB)"])
    }
}

@Suite struct DatasetAdapterTests {
    @Test func labels2scenesYieldsPairedBatches() throws {
        var options = TrainOptions(model: .pix2pix)
        options.dataroot = repositoryRoot.appendingPathComponent("datasets/samples/labels2scenes").path
        options.loadSize = 72
        options.cropSize = 64
        options.batchSize = 2
        let data = DatasetOptions(training: options)
        #expect(data.loadSize == 72 && data.cropSize == 64 && data.direction == .aToB && data.preprocess == .resizeAndCrop)
        let dataset = try makePairDataset(options: options, split: "train", data: data, diagnostics: DatasetDiagnostics())
        #expect(dataset.count == 48)
        let source = dataset.source(batchSize: 2, options: data, seed: 1, workers: 1, diagnostics: DatasetDiagnostics())
        #expect(source.batchesPerEpoch == 24)
        let batches = try source.batches(epoch: 1, startingAt: 23)
        let batch = try #require(batches.next()).get()
        #expect(batch.realA.shape == Shape([2, 3, 64, 64]) && batch.realB.shape == Shape([2, 3, 64, 64]))
        #expect(batches.next().map { _ in 1 } == nil)
        let missing = TrainOptions(model: .pix2pix)
        #expect(throws: OptionError.self) {
            try makePairDataset(options: missing, split: "train", data: data, diagnostics: DatasetDiagnostics())
        }
    }
}

@Suite struct TrainingRunResolveTests {
    @Test func recipeThenFlags() throws {
        let flags = try OptionSource.commandLine(["--n-epochs", "1", "--ngf", "8", "--name", "x"]).source
        let run = try TrainingRun.resolve(recipe: "labels2scenes", flags: flags,
                                          searchFolders: [repositoryRoot.appendingPathComponent("pipelines")])
        #expect(run.options.nEpochs == 1 && run.options.ngf == 8 && run.options.ndf == 32 && run.options.netG == .unet128)
        #expect(run.options.name == "x" && run.options.dataroot.hasSuffix("datasets/samples/labels2scenes"))
        #expect(run.recipe?.evaluationSplit == "test")
        #expect(run.paths(of: Recipe.InferenceStep(input: "labels", output: "translated")).input.hasSuffix("labels2scenes/labels"))
    }

    @Test func withoutARecipeTheDatarootIsRequired() {
        #expect(throws: OptionError("--dataroot is required (a folder in the aligned layout)")) {
            try TrainingRun.resolve(recipe: nil, flags: OptionSource(origin: "command line", entries: [], isCommandLine: true))
        }
    }
}

@Suite struct InferenceStepTests {
    /// A freshly initialised tiny generator, saved as a run would save it, translates the sample's
    /// label folder: every image is written, mirrored by name, and the report gallery pairs them.
    @Test func translatesAFolderWithASavedGenerator() throws {
        var options = TrainOptions(model: .pix2pix)
        options.netG = .unet128
        options.ngf = 4
        options.ndf = 4
        options.cropSize = 128
        options.loadSize = 128
        options.dataroot = "memory"
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("runs-inference-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Pix2PixTrainer(options: options).saveNetworks(tag: "latest", in: folder, step: 0)
        let input = repositoryRoot.appendingPathComponent("datasets/samples/labels2scenes/labels").path
        let output = folder.appendingPathComponent("translated").path
        var lines: [String] = []
        let result = try InferenceStepResult.run(checkpoint: folder.appendingPathComponent("latest_net_G.safetensors"),
                                                 input: input, output: output, colorize: false, log: { lines.append($0) })
        #expect(result.summary.done == 8 && result.summary.failed == 0)
        #expect(FileManager.default.fileExists(atPath: output + "/scene1.png"))
        #expect(result.gallery.count == 16 && result.gallery[0].caption == "input scene1.png")
        #expect(result.rows.map(\.1).contains("all images written"))
        #expect(lines.first == "apply \(input) → \(output)")
        #expect(throws: OptionError.self) {
            try InferenceStepResult.run(checkpoint: folder.appendingPathComponent("latest_net_G.safetensors"),
                                        input: folder.appendingPathComponent("nothing").path, output: output,
                                        colorize: false, log: { _ in })
        }
    }
}
