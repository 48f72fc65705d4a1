import Evaluation
import Foundation
import ImageCodecs
import ImageDatasets
import Kernels
import Networks
import Tensors
import Training

extension TrainingRun {
    /// SRGAN on the HR images of `dataroot/train` (or `dataroot`), LR made by bicubic on the fly:
    /// the SRResNet phase, then the GAN phase, then PSNR/SSIM (Y channel, border = scale) of G and
    /// of bicubic on the held-out `dataroot/val` (or `test`) images, and the report.
    /// - Parameter vgg: the content loss's VGG19 (`SRGANTrainer.loadVGG`), nil without a GAN phase.
    func trainSRGAN(vgg: VGG19Features?) throws -> TrainingLoop<SRGANTrainer, PairLoaderSource>.Outcome {
        let data = DatasetOptions(training: options)
        let diagnostics = DatasetDiagnostics()
        let dataset: SuperResolutionDataset
        do {
            dataset = try SuperResolutionDataset(highResolution: splitFolder(options.dataroot, "train"), options: data,
                                                 diagnostics: diagnostics)
        } catch {
            throw OptionError("\(error)")
        }
        let loader = BatchLoader(dataset: dataset, batchSize: options.batchSize, options: data, seed: options.seed,
                                 workers: options.numThreads, diagnostics: diagnostics, shard: shard)
        // The phases decide the length: enough epochs to hold both, no epoch-based decay.
        var runOptions = options
        let total = options.pretrainIters + options.ganIters
        runOptions.nEpochs = max(1, (total + loader.batchesPerEpoch - 1) / max(1, loader.batchesPerEpoch))
        runOptions.nEpochsDecay = 0
        let trainer = try SRGANTrainer(options: runOptions, vgg: vgg)
        trainer.log = log
        trainer.bestFolder = group.isWriter ? runFolder : nil
        let (root, validationOptions, log) = (options.dataroot, options, log)
        trainer.validator = { [unowned trainer] in
            do {
                return try SRValidation.measure(root: root, options: validationOptions, superResolve: trainer.superResolve)
                    .map { (psnr: $0.psnr, ssim: $0.ssim) }
            } catch {
                log("validation skipped: \(error)")
                return nil
            }
        }
        let loop = makeLoop(trainer: trainer, source: PairLoaderSource(loader, PairedBatch.init), options: runOptions)
        log("training srgan \(options.name): \(dataset.count) HR images, ×\(options.scale), "
            + "G srresnet (\(trainer.generator.parameterCount) parameters), D srgan (\(trainer.discriminator.parameterCount)), "
            + "\(options.pretrainIters) pretrain + \(options.ganIters) GAN iterations, \(Parallel.threadCount) thread(s), "
            + "run folder \(runFolder.path)")
        let outcome = try loop.run()
        diagnostics.reportSummary()
        guard outcome == .finished, group.isWriter else { return outcome }
        var rows = try validateSR(trainer: trainer)
        if trainer.bestIteration > 0 {
            rows.append(("best PSNR-Y during training", String(format: "%.3f dB at iteration %d (best_net_G.safetensors)",
                                                              trainer.bestPSNR, trainer.bestIteration)))
        }
        if options.emaDecay > 0 { rows.append(("G weights", "moving average, decay \(options.emaDecay)")) }
        loop.reportSections.append((heading: "Validation (PSNR/SSIM on Y, border \(options.scale))", rows: rows))
        for (key, value) in rows { log("  \(key): \(value)") }
        try loop.writeReport()
        log("upscale with: translate upscale IN OUT --checkpoint \(runFolder.appendingPathComponent("latest_net_G.safetensors").path)")
        log("report: \(runFolder.appendingPathComponent("report.html").path)")
        return outcome
    }

    /// PSNR and SSIM of G and of bicubic on the held-out HR images (`val/`, else `test/`).
    func validateSR(trainer: SRGANTrainer) throws -> [(String, String)] {
        guard let result = try SRValidation.measure(root: options.dataroot, options: options, superResolve: trainer.superResolve)
        else { return [("result", "no val/ or test/ folder with images in \(options.dataroot)")] }
        return result.rows
    }
}

/// Held-out super-resolution quality: each HR image (trimmed to a multiple of the scale) is
/// downscaled by bicubic, super-resolved, and compared with BasicSR's PSNR/SSIM on the Y channel
/// with `crop_border` = scale; bicubic upscaling of the same LR is the baseline.
public struct SRValidation: Sendable, Equatable {
    public var images: Int
    public var psnr: Double
    public var ssim: Double
    public var bicubicPSNR: Double
    public var bicubicSSIM: Double

    /// Measures on `root/val` (else `root/test`); nil when neither holds images.
    public static func measure(root: String, options: TrainOptions, superResolve: (Tensor) -> Tensor) throws -> SRValidation? {
        let folder = ["val", "test"].map { (root as NSString).appendingPathComponent($0) }
            .first { DatasetCompletenessProbe.hasImages($0) }
        guard let folder else { return nil }
        var data = DatasetOptions(training: options)
        data.preprocess = .none
        data.noFlip = true
        data.serialBatches = true
        let dataset = try SuperResolutionDataset(highResolution: folder, options: data)
        let metricOptions = ImageMetrics.Options(cropBorder: options.scale, yChannel: true)
        var rng = SeededGenerator(seed: 0)
        var sums = (0.0, 0.0, 0.0, 0.0)
        for index in 0..<dataset.count {
            let sample = try dataset.sample(at: index, using: &rng)
            let lr = sample.a.reshaped(to: Shape([1] + sample.a.shape.dimensions))
            let hrPixels = PixelTensor.pixels(from: sample.b)
            let sr = MetricImage(PixelTensor.pixels(from: superResolve(lr)))
            let bicubic = MetricImage(PixelTensor.pixels(from: sample.a).resized(width: hrPixels.width, height: hrPixels.height,
                                                                                  filter: .bicubic))
            let hr = MetricImage(hrPixels)
            sums.0 += try ImageMetrics.psnr(sr, hr, options: metricOptions)
            sums.1 += try ImageMetrics.ssim(sr, hr, options: metricOptions)
            sums.2 += try ImageMetrics.psnr(bicubic, hr, options: metricOptions)
            sums.3 += try ImageMetrics.ssim(bicubic, hr, options: metricOptions)
        }
        let n = Double(max(1, dataset.count))
        return SRValidation(images: dataset.count, psnr: sums.0 / n, ssim: sums.1 / n, bicubicPSNR: sums.2 / n, bicubicSSIM: sums.3 / n)
    }

    /// Report rows.
    public var rows: [(String, String)] {
        [("images", "\(images)"),
         ("PSNR-Y (G)", String(format: "%.3f dB", psnr)), ("SSIM-Y (G)", String(format: "%.4f", ssim)),
         ("PSNR-Y (bicubic)", String(format: "%.3f dB", bicubicPSNR)), ("SSIM-Y (bicubic)", String(format: "%.4f", bicubicSSIM))]
    }
}

/// Whether a folder exists and lists at least one image file (by extension).
enum DatasetCompletenessProbe {
    static func hasImages(_ folder: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        return names.contains { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
    }
}
