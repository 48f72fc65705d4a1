import Foundation
import ImageCodecs
import ImageDatasets
import Layers
import Networks
import Runs
import Tensors
import Testing
import Training

/// `translate train --model srgan`: the missing-VGG stop, and a short run of the CPU recipe on the
/// bundled photos whose G checkpoint is self-describing and whose validation PSNR is in the report.
@Suite(.serialized) struct SRGANRunTests {
    static let pipelines = repositoryRoot.appendingPathComponent("pipelines")

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("srgan-run-\(UUID().uuidString)")
    }

    @Test func aGANPhaseWithoutVGGWeightsStopsBeforeAnyWork() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let flags = try OptionSource.commandLine([
            "--checkpoints-dir", folder.path, "--name", "novgg", "--gan-iters", "10",
        ]).source
        var run = try TrainingRun.resolve(recipe: "srgan-cpu", flags: flags, searchFolders: [Self.pipelines])
        run.log = { _ in }
        #expect(throws: OptionError.self) { try run.execute() }
        do { try run.execute() } catch let error as OptionError {
            #expect(error.message.contains("vgg19-dcbb9e9d.pth") && error.message.contains("translate convert"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path), "the run created files before stopping")
    }

    @Test func theRecipesResolve() throws {
        let paper = try TrainingRun.resolve(recipe: "srgan", flags: OptionSource.commandLine(["--dataroot", "/tmp/x"]).source,
                                            searchFolders: [Self.pipelines])
        #expect(paper.options.model == .srgan && paper.options.pretrainIters == 1_000_000 && paper.options.ganIters == 200_000)
        #expect(paper.options.cropSize == 96 && paper.options.batchSize == 16 && paper.options.lambdaAdv == 1e-3)
        #expect(abs(paper.options.vggRescale - 1 / 12.75) < 1e-7 && paper.options.vggLayer == "relu5_4")
    }

    /// 30 pretrain iterations of the CPU recipe at ×2 with 8 filters (seconds): G is written with its
    /// preprocessing ([0, 1] in, [-1, 1] out) and scale, validations every 10 iterations are in the
    /// loss log with best_net_G kept, and the report has PSNR-Y of G and bicubic.
    @Test func aShortRunWritesAnUpscalableCheckpointAndValidates() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let flags = try OptionSource.commandLine([
            "--checkpoints-dir", folder.path, "--name", "sr", "--pretrain-iters", "30", "--scale", "2", "--ngf", "8",
            "--ndf", "8", "--crop-size", "32", "--load-size", "32", "--batch-size", "4", "--lr", "0.001", "--print-freq", "10",
            "--val-freq", "10",
        ]).source
        var run = try TrainingRun.resolve(recipe: "srgan-cpu", flags: flags, searchFolders: [Self.pipelines])
        run.log = { _ in }
        run.interrupts = InterruptWatcher(listensToSignals: false)
        #expect(try run.execute() == .finished)
        let runFolder = folder.appendingPathComponent("sr")
        let (spec, _, checkpoint) = try Checkpoint.loadNetwork(contentsOf: runFolder.appendingPathComponent("latest_net_G.safetensors"))
        #expect(spec.kind == .generator(.srresnet) && spec.scale == 2 && spec.baseFilters == 8)
        let preprocessing = try #require(try checkpoint.preprocessingSettings())
        #expect(preprocessing.inputRange == .zeroToOne && preprocessing.outputRange == .minusOneToOne)
        let report = try String(contentsOf: runFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("PSNR-Y (G)") && report.contains("PSNR-Y (bicubic)"))
        let log = try String(contentsOf: runFolder.appendingPathComponent("loss_log.jsonl"), encoding: .utf8)
        #expect(log.contains("G_pixel") && log.contains("val_PSNR_Y") && log.contains("val_SSIM_Y"))
        #expect(FileManager.default.fileExists(atPath: runFolder.appendingPathComponent("best_net_G.safetensors").path))
        #expect(report.contains("best PSNR-Y during training"))
    }

    /// The validation numbers are BasicSR's PSNR on Y with the border cropped: bicubic on the
    /// bundled photos lands in the usual range, and a G that returns bicubic gets the same number.
    @Test func validationMeasuresPSNRAgainstBicubic() throws {
        var options = TrainOptions(model: .srgan)
        options.scale = 4
        let root = repositoryRoot.appendingPathComponent("datasets/samples/colorization").path
        let bicubic = { (lr: Tensor) -> Tensor in
            let pixels = PixelTensor.pixels(from: lr)
            let up = PixelTensor.tensor(from: pixels.resized(width: pixels.width * 4, height: pixels.height * 4, filter: .bicubic))
            return up.reshaped(to: Shape([1] + up.shape.dimensions))
        }
        let result = try #require(try SRValidation.measure(root: root, options: options, superResolve: bicubic))
        #expect(result.images == 7)
        #expect(result.bicubicPSNR > 18 && result.bicubicPSNR < 40, "\(result)")
        #expect(result.bicubicSSIM > 0.3 && result.bicubicSSIM < 1, "\(result)")
        #expect(result.psnr == result.bicubicPSNR && result.ssim == result.bicubicSSIM, "\(result)")
    }
}
