import ArgumentParser
import Foundation
import Runs
import Testing
import Training

@testable import CLI

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// `translate train` option parsing: flags are read against the options table, and every usage
/// problem is a `ValidationError` (exit status 2).
@Suite struct TrainCommandTests {
    func resolve(_ arguments: [String]) throws -> TrainingRun {
        try Tool.Train.parse(arguments).resolve()
    }

    @Test func flagsRecipeAndSharedSeedResolve() throws {
        let recipe = repositoryRoot.appendingPathComponent("pipelines/labels2scenes.yaml").path
        let run = try resolve([recipe, "--netG", "unet_256", "--seed", "7", "--lambda-L1=20", "--no-flip", "--threads", "1"])
        #expect(run.options.netG == .unet256 && run.options.seed == 7 && run.options.lambdaL1 == 20 && run.options.noFlip)
        #expect(run.options.ngf == 32 && run.recipe?.name == "labels2scenes")
    }

    @Test func modelIsChosenFirst() throws {
        let run = try resolve(["--dataroot", "somewhere", "--model", "CycleGAN"])
        #expect(run.options.model == .cycle_gan && run.options.netG == .resnet9 && run.options.poolSize == 50)
    }

    @Test func usageProblemsAreValidationErrorsNamingTheFix() {
        func message(_ arguments: [String]) -> String? {
            do { _ = try resolve(arguments) } catch {
                #expect(Tool.exitCode(for: error) == .validationFailure)
                return Tool.message(for: error)
            }
            return nil
        }
        #expect(message(["--dataroot", "d", "--lamda-L1", "3"]) == "unknown option '--lamda-L1'; did you mean '--lambda-L1'?")
        #expect(message(["--dataroot", "d", "--pool-size", "3"])
            == "--pool-size is not used by model pix2pix (only by cycle_gan); remove it")
        #expect(message(["--dataroot", "d", "--model", "cyclegan", "--lambda-L1", "3"])
            == "--lambda-L1 is not used by model cycle_gan (only by pix2pix, colorization); remove it")
        #expect(message(["--dataroot", "d", "--norm", "btach"])
            == "--norm: 'btach' is not one of batch, instance, none; did you mean 'batch'?")
        #expect(message(["a", "b"]) == "expected at most one recipe, got 'a', 'b'")
        #expect(message([]) == "--dataroot is required (a folder in the aligned layout)")
    }

    @Test func helpListsTheTableOptions() {
        let help = Tool.Train.helpMessage(columns: 200)
        for row in TrainOptions.table { #expect(help.contains(row.flag), "\(row.flag) missing from --help") }
        #expect(help.contains("--threads") && help.contains("translate train [<recipe>]"))
    }
}

/// The built binary's exit statuses (the integrator's CI builds it before the tests).
@Suite struct TrainExitStatusTests {
    func run(_ arguments: [String]) throws -> (status: Int32, standardError: String, standardOutput: String) {
        let binary = repositoryRoot.appendingPathComponent(".build/release/translate")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build the binary first: swift build -c release")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let errorPipe = Pipe()
        process.standardError = errorPipe
        let outputPipe = Pipe()
        process.standardOutput = outputPipe
        try process.run()
        // Outputs here are a few KB, well below a pipe's buffer, so reading one after the other is safe.
        let output = outputPipe.fileHandleForReading.readDataToEndOfFile()
        let data = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: output, as: UTF8.self))
    }

    @Test func usageErrorsExitTwo() throws {
        let unknown = try run(["train", "--dataroot", "d", "--lamda-L1", "3"])
        #expect(unknown.status == 2 && unknown.standardError.contains("did you mean '--lambda-L1'?"))
        let unused = try run(["train", "--dataroot", "d", "--pool-size", "3"])
        #expect(unused.status == 2 && unused.standardError.contains("--pool-size is not used by model pix2pix"))
    }

    @Test func aMissingDatasetIsAUsageError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-missing-\(getpid())")
        let result = try run(["train", "--dataroot", folder.appendingPathComponent("nothing").path,
                              "--checkpoints-dir", folder.path, "--max-steps", "1"])
        #expect(result.status == 2)
        try? FileManager.default.removeItem(at: folder)
    }

    @Test func helpExitsZeroAndListsOptions() throws {
        let help = try run(["train", "--help"])
        #expect(help.status == 0)
        #expect(help.standardOutput.contains("--lambda-L1 <number>") && help.standardOutput.contains("OPTIMIZATION OPTIONS:"))
    }
}
