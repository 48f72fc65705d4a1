import ArgumentParser
import Foundation
import ImageCodecs
import ImageDatasets
import Layers
import Networks
import Tensors
import Training

/// One `translate train` invocation: the run folder, the trainer, the data, the loop, then the
/// recipe's evaluation and the report.
struct TrainingRun {
    let options: TrainOptions
    let recipe: Recipe?

    var runFolder: URL { URL(fileURLWithPath: options.checkpointsDir).appendingPathComponent(options.name) }

    func execute() throws {
        try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
        try AtomicWriter.write(Data(Recipe.resolvedYAML(recipe: recipe, options: options).utf8),
                               to: runFolder.appendingPathComponent("train_opt.yaml"))
        switch options.model {
        case .pix2pix, .colorization:
            try trainPix2Pix()
        case .cycle_gan:
            try trainCycleGAN()
        case .srgan:
            throw ValidationError("--model \(options.model.rawValue) is not available in this version yet; use pix2pix, colorization or cycle_gan")
        }
    }

    // MARK: - Data

    var datasetOptions: DatasetOptions {
        var data = DatasetOptions()
        data.direction = options.direction == "BtoA" ? .bToA : .aToB
        data.preprocess = Preprocess(rawValue: options.preprocess) ?? .resizeAndCrop
        data.loadSize = options.loadSize
        data.cropSize = options.cropSize
        data.noFlip = options.noFlip
        data.maxDatasetSize = options.maxDatasetSize == Int.max ? nil : options.maxDatasetSize
        data.serialBatches = options.serialBatches
        // Colorization makes L and ab itself from RGB photos; the channel options describe images.
        data.inputChannels = options.model == .colorization ? 3 : options.inputNC
        data.outputChannels = options.model == .colorization ? 3 : options.outputNC
        data.strict = options.strict
        return data
    }

    /// `dataroot/<phase>` when it exists (the reference layout), else `dataroot` itself.
    func folder(phase: String) -> String {
        let candidate = (options.dataroot as NSString).appendingPathComponent(phase)
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && isDirectory.boolValue
            ? candidate : options.dataroot
    }

    func pairDataset(phase: String, data: DatasetOptions, diagnostics: DatasetDiagnostics) throws -> any PairDatasetBox {
        do {
            switch options.model {
            case .colorization:
                return PairDataset(dataset: try ColorizationDataset(directory: folder(phase: phase), options: data,
                                                                        diagnostics: diagnostics))
            default:
                return PairDataset(dataset: try PairedFolderDataset(directory: folder(phase: phase), options: data,
                                                                  diagnostics: diagnostics))
            }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    // MARK: - Pix2Pix and colorization

    func trainPix2Pix() throws {
        let trainer: Pix2PixTrainer
        do { trainer = try Pix2PixTrainer(options: options) } catch let error as OptionError {
            throw ValidationError(error.message)
        }
        if options.model == .colorization {
            // Show L as gray and (L, ab) as RGB, as the reference's real_B_rgb / fake_B_rgb.
            trainer.displayTransform = { label, image, batch in
                guard image.shape[1] == 2 else { return image }
                let l = batch.realA.sliced(alongAxis: 0, 0..<1), ab = image.sliced(alongAxis: 0, 0..<1)
                let rgb = PixelTensor.tensor(from: ColorizationDataset.pixels(l: l, ab: ab))
                return rgb.reshaped(to: Shape([1] + rgb.shape.dimensions))
            }
        }
        let diagnostics = DatasetDiagnostics()
        let dataset = try pairDataset(phase: "train", data: datasetOptions, diagnostics: diagnostics)
        let source = dataset.source(batchSize: options.batchSize, options: datasetOptions, seed: options.seed,
                                    workers: options.numThreads, diagnostics: diagnostics)
        let loop = TrainingLoop(trainer: trainer, source: source, options: options, runFolder: runFolder,
                                writeImage: Self.writePNG)
        FileHandle.standardError.write(Data(("training \(options.model.rawValue) \(options.name): \(dataset.count) images, "
            + "G \(options.netG) (\(trainer.generator.parameterCount) parameters), D \(options.netD), "
            + "\(Parallel.threadCount) thread(s), run folder \(runFolder.path)\n").utf8))
        let outcome = try loop.run()
        diagnostics.reportSummary()
        guard outcome == .finished else { return }
        if let split = recipe?.evaluationSplit {
            let rows = try evaluate(trainer: trainer, split: split)
            loop.reportSections.append((heading: "Evaluation on \(split)", rows: rows))
            for (key, value) in rows { FileHandle.standardError.write(Data("  \(key): \(value)\n".utf8)) }
        }
        for step in recipe?.inference ?? [] {
            let result = try runInference(step)
            loop.reportSections.append((heading: "Inference: \(step.input) → \(step.output)", rows: result.rows))
            loop.reportGalleries.append((heading: "Inference samples: \(step.input) → \(step.output)", images: result.gallery))
        }
        try loop.writeReport()
        FileHandle.standardError.write(Data("report: \(runFolder.appendingPathComponent("report.html").path)\n".utf8))
    }

    /// Held-out evaluation: mean L1 (in [-1, 1]) and PSNR (dB, 8-bit RGB) of G(A) against B, with the
    /// reference's test preprocessing (no crop, no flip, load size = crop size).
    func evaluate(trainer: Pix2PixTrainer, split: String) throws -> [(String, String)] {
        var data = datasetOptions
        data.noFlip = true
        data.serialBatches = true
        data.preprocess = .resizeAndCrop
        data.loadSize = options.cropSize
        let diagnostics = DatasetDiagnostics()
        let folderPath = folder(phase: split)
        guard folderPath != options.dataroot || split == "train" else {
            return [("result", "no \(split)/ folder in \(options.dataroot)")]
        }
        let dataset = try pairDataset(phase: split, data: data, diagnostics: diagnostics)
        var totalL1 = 0.0, totalPSNR = 0.0, totalBaseline = 0.0, count = 0
        var random = SeededGenerator(seed: 0)
        for index in 0..<dataset.count {
            guard let pair = try? dataset.pair(at: index, using: &random) else { continue }
            let fake = trainer.translate(pair.realA)
            totalL1 += Double(fake.l1Loss(pair.realB).scalar)
            let (fakeRGB, realRGB) = options.model == .colorization
                ? (ColorizationDataset.pixels(l: pair.realA, ab: fake), ColorizationDataset.pixels(l: pair.realA, ab: pair.realB))
                : (PixelTensor.pixels(from: fake), PixelTensor.pixels(from: pair.realB))
            totalPSNR += Self.psnr(fakeRGB, realRGB)
            if options.model == .colorization {
                // Baseline: the gray picture (ab = 0).
                let gray = ColorizationDataset.pixels(l: pair.realA, ab: Tensor(zeros: pair.realB.shape))
                totalBaseline += Self.psnr(gray, realRGB)
            }
            count += 1
        }
        guard count > 0 else { return [("result", "no readable image in \(folderPath)")] }
        return [("images", String(count)), ("mean L1 (G(A) vs B, [-1,1])", String(format: "%.4f", totalL1 / Double(count))),
                ("mean PSNR (dB, RGB)", String(format: "%.2f", totalPSNR / Double(count)))]
            + (options.model == .colorization
                ? [("baseline PSNR of the gray image (dB)", String(format: "%.2f", totalBaseline / Double(count)))] : [])
    }

    /// Runs one recipe inference step with the run's latest generator, through the same command a
    /// user types (`translate apply` or, for colorization, `translate colorize`).
    func runInference(_ step: Recipe.InferenceStep) throws -> (rows: [(String, String)], gallery: [(caption: String, file: URL)]) {
        let checkpoint = runFolder.appendingPathComponent("latest_net_G.safetensors").path
        var input = step.input
        if !input.hasPrefix("/") {
            let inDataset = (options.dataroot as NSString).appendingPathComponent(input)
            if FileManager.default.fileExists(atPath: inDataset) { input = inDataset }
        }
        let output = step.output.hasPrefix("/") ? step.output : runFolder.appendingPathComponent(step.output).path
        let arguments = ["--checkpoint", checkpoint, input, output, "--threads", String(Parallel.threadCount)]
        let command = options.model == .colorization ? "colorize" : "apply"
        FileHandle.standardError.write(Data("\(command) \(input) → \(output)\n".utf8))
        var status = "all images written"
        do {
            if options.model == .colorization {
                var colorize = try Tool.Colorize.parse(arguments)
                try colorize.run()
            } else {
                var apply = try Tool.Apply.parse(arguments)
                try apply.run()
            }
        } catch let exit as ExitCode where exit.rawValue == 1 {
            status = "some images failed (see the log)"
        }
        // Inputs beside their outputs for the report (at most 8 pairs).
        var gallery: [(caption: String, file: URL)] = []
        let outputs = (FileManager.default.enumerator(atPath: output)?.allObjects as? [String] ?? [])
            .filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
        for relative in outputs.prefix(8) {
            let inputFile = URL(fileURLWithPath: input).appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: inputFile.path) { gallery.append(("input \(relative)", inputFile)) }
            gallery.append(("output \(relative)", URL(fileURLWithPath: output).appendingPathComponent(relative)))
        }
        return ([("command", "translate \(command) --checkpoint \(checkpoint) \(input) \(output)"), ("result", status),
                 ("images in the output folder", String(outputs.count))], gallery)
    }

    static func psnr(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        let x = a.convertedTo8Bit().bytes, y = b.convertedTo8Bit().bytes
        guard x.count == y.count, !x.isEmpty else { return .nan }
        var squared = 0.0
        for i in 0..<x.count {
            let d = Double(x[i]) - Double(y[i])
            squared += d * d
        }
        let mse = squared / Double(x.count)
        return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
    }

    /// Writes `[1, C, H, W]` in [-1, 1] (C = 1 or 3) as an 8-bit PNG.
    static func writePNG(_ image: Tensor, _ url: URL) throws {
        try ImageEncoder.write(PixelTensor.pixels(from: image), to: url.path)
    }
}

// MARK: - Dataset adapters

/// A paired dataset (aligned or colorization) behind one interface.
protocol PairDatasetBox {
    var count: Int { get }
    func pair(at index: Int, using rng: inout SeededGenerator) throws -> PairedBatch
    func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics)
        -> PairLoaderSource
}

/// Any dataset whose samples are (A, B) pairs: aligned folders and colorization (L, ab).
struct PairDataset<D: ImageDataset>: PairDatasetBox where D.Sample == PairSample {
    let dataset: D
    var count: Int { dataset.count }
    func pair(at index: Int, using rng: inout SeededGenerator) throws -> PairedBatch {
        PairedBatch(try PairSample.collate([try dataset.sample(at: index, using: &rng)]))
    }
    func source(batchSize: Int, options: DatasetOptions, seed: UInt64, workers: Int, diagnostics: DatasetDiagnostics)
        -> PairLoaderSource {
        PairLoaderSource(BatchLoader(dataset: dataset, batchSize: batchSize, options: options, seed: seed, workers: workers,
                                     diagnostics: diagnostics))
    }
}

extension PairedBatch {
    init(_ batch: PairBatch) {
        self.init(realA: batch.a, realB: batch.b, paths: batch.pathsA)
    }
}

/// The training loop's view of a `BatchLoader`: epochs reproducible from (seed, epoch); a resumed
/// epoch starts at the batch it stopped at without decoding the ones before.
struct PairLoaderSource: BatchSource {
    let batchesPerEpoch: Int
    let makeBatches: (Int, Int) throws -> AnyIterator<Result<PairBatch, Error>>

    init<D: ImageDataset>(_ loader: BatchLoader<D>) where D.Sample.Batch == PairBatch {
        batchesPerEpoch = loader.batchesPerEpoch
        makeBatches = { epoch, start in try loader.batches(epoch: epoch, startingAt: start) }
    }

    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<PairedBatch, Error>> {
        let batches = try makeBatches(epoch, start)
        return AnyIterator { batches.next().map { $0.map(PairedBatch.init) } }
    }
}

import Kernels
