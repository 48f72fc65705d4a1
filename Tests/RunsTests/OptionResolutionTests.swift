import Networks
import Runs
import Testing
import Training

@Suite struct OptionResolutionTests {
    @Test(arguments: ["cycle_gan", "cyclegan", "CycleGAN", "cycle-gan"])
    func modelAliasesChooseCycleGANDefaults(spelling: String) throws {
        let options = try TrainOptions.resolve([OptionSource(origin: "test", entries: [("model", spelling)])])
        #expect(options.model == .cycle_gan && options.netG == .resnet9 && options.norm == .instance)
        #expect(options.poolSize == 50 && options.ganMode == .lsgan && options.noDropout)
    }

    @Test func optionsTheModelDoesNotUseAreRefused() {
        let pool = OptionSource(origin: "command line", entries: [("--pool-size", "10")], isCommandLine: true)
        #expect(throws: OptionError("--pool-size is not used by model pix2pix (only by cycle_gan); remove it")) {
            try TrainOptions.resolve([pool])
        }
        let l1 = OptionSource(origin: "cyclegan.yaml", entries: [("model", "cycle_gan"), ("lambda_L1", "10")])
        #expect(throws: OptionError("cyclegan.yaml: lambda_L1 is not used by model cycle_gan (only by pix2pix, colorization); remove it")) {
            try TrainOptions.resolve([l1])
        }
    }

    @Test func resolutionIsModelDefaultsThenRecipeThenFlags() throws {
        let recipe = OptionSource(origin: "r.yaml", entries: [("model", "pix2pix"), ("ngf", "32"), ("n_epochs", "3")])
        let flags = OptionSource(origin: "command line", entries: [("--n-epochs", "5")], isCommandLine: true)
        let options = try TrainOptions.resolve([recipe, flags])
        #expect(options.ngf == 32 && options.nEpochs == 5 && options.norm == .batch && options.model == .pix2pix)
        // The flag's model wins, and the recipe's options then apply on the flag model's defaults.
        let cycle = try TrainOptions.resolve([recipe, OptionSource(origin: "c", entries: [("--model", "cyclegan")],
                                                                   isCommandLine: true)])
        #expect(cycle.model == .cycle_gan && cycle.ngf == 32 && cycle.norm == .instance)
    }

    @Test func commandLineFlagsAreReadAgainstTheTable() throws {
        let (source, positional) = try OptionSource.commandLine([
            "--no-flip", "labels2scenes", "--netG", "unet_128", "--lambda-L1=50", "--serial-batches", "false", "--continue",
        ])
        #expect(positional == ["labels2scenes"])
        #expect(source.entries.map { "\($0.key)=\($0.value)" }
            == ["--no-flip=true", "--netG=unet_128", "--lambda-L1=50", "--serial-batches=false", "--continue=true"])
        let options = try TrainOptions.resolve([source])
        #expect(options.noFlip && options.netG == .unet128 && options.lambdaL1 == 50 && !options.serialBatches && options.continueTrain)
        #expect(throws: OptionError("--crop-size needs a value (integer)")) { try OptionSource.commandLine(["--crop-size"]) }
    }

    @Test func helpListsEveryFlagWithItsModelDefaults() {
        let help = TrainOptions.helpText().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for row in TrainOptions.table { #expect(help.contains(" \(row.flag) ")) }
        #expect(help.contains("--lambda-L1 <number>") && help.contains("--n-layers-D <integer>"))
        #expect(help.contains("(default: resnet_9blocks; pix2pix: unet_256; colorization: unet_256; srgan: srresnet)"))
        #expect(help.contains("Models: cycle_gan."))
    }

    @Test func unknownFlagsAndRecipeValuesNameTheNearestValidOne() {
        let flags = OptionSource(origin: "command line", entries: [("--lamda-L1", "3")], isCommandLine: true)
        #expect(throws: OptionError("unknown option '--lamda-L1'; did you mean '--lambda-L1'?")) {
            try TrainOptions.resolve([flags])
        }
        let recipe = OptionSource(origin: "r.yaml", entries: [("netG", "unet_265")])
        #expect(throws: OptionError("r.yaml: netG: 'unet_265' is not one of unet_128, unet_256, resnet_6blocks, resnet_9blocks, "
            + "srresnet, rrdbnet, srvggnet_compact, msrresnet; did you mean 'unet_256'?")) { try TrainOptions.resolve([recipe]) }
    }
}
