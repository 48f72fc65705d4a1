import Networks
import Testing
import Training

@Suite struct TrainOptionsTests {
    @Test func modelDefaultsFollowTheReference() {
        let pix2pix = TrainOptions(model: .pix2pix)
        #expect(pix2pix.netG == .unet256 && pix2pix.norm == .batch && pix2pix.ganMode == .vanilla)
        #expect(pix2pix.poolSize == 0 && pix2pix.lambdaL1 == 100 && pix2pix.datasetMode == .aligned && !pix2pix.noDropout)
        let color = TrainOptions(model: .colorization)
        #expect(color.inputNC == 1 && color.outputNC == 2 && color.datasetMode == .colorization && color.netG == .unet256)
        let cycle = TrainOptions(model: .cycle_gan)
        #expect(cycle.netG == .resnet9 && cycle.norm == .instance && cycle.noDropout && cycle.ganMode == .lsgan)
        #expect(cycle.poolSize == 50 && cycle.lambdaA == 10 && cycle.lambdaB == 10 && cycle.lambdaIdentity == 0.5)
        #expect(cycle.datasetMode == .unaligned)
        let sr = TrainOptions(model: .srgan)
        #expect(sr.netG == .srresnet && sr.netD == .srgan && sr.cropSize == 96 && sr.preprocess == .crop && sr.lr == 1e-4)
    }

    @Test func keysAcceptEverySpellingAndOldNames() throws {
        var options = TrainOptions()
        try options.set("crop-size", "128")
        try options.set("load_size", "143")
        try options.set("netG", "unet_128")
        try options.set("lambda_L1", "50")
        try options.set("nEpochsDecay", "3")
        try options.set("fineSize", "120")
        try options.set("niter", "7")
        try options.set("which_direction", "BtoA")
        try options.set("n-layers-D", "5")
        try options.set("max-dataset-size", "inf")
        #expect(options.cropSize == 120 && options.loadSize == 143 && options.netG == .unet128)
        #expect(options.lambdaL1 == 50 && options.nEpochsDecay == 3 && options.maxDatasetSize == Int.max)
        #expect(options.nEpochs == 7 && options.direction == .BtoA && options.nLayersD == 5)
    }

    @Test(arguments: ["cycle_gan", "cyclegan", "CycleGAN", "cycle-gan"])
    func modelAliasesChooseCycleGANDefaults(spelling: String) throws {
        let options = try TrainOptions.resolve([OptionSource(origin: "test", entries: [("model", spelling)])])
        #expect(options.model == .cycle_gan && options.netG == .resnet9 && options.norm == .instance)
        #expect(options.poolSize == 50 && options.ganMode == .lsgan && options.noDropout)
    }

    @Test func unknownKeysAndValuesNameTheNearestValidOne() {
        var options = TrainOptions()
        #expect(throws: OptionError("unknown option 'lamda_L1'; did you mean 'lambda_L1'?")) { try options.set("lamda_L1", "1") }
        #expect(throws: OptionError("norm: 'btach' is not one of batch, instance, none; did you mean 'batch'?")) {
            try options.set("norm", "btach")
        }
        #expect(throws: OptionError("crop-size: 'big' is not a valid integer")) { try options.set("crop-size", "big") }
        let flags = OptionSource(origin: "command line", entries: [("--lamda-L1", "3")], isCommandLine: true)
        #expect(throws: OptionError("unknown option '--lamda-L1'; did you mean '--lambda-L1'?")) {
            try TrainOptions.resolve([flags])
        }
        let recipe = OptionSource(origin: "r.yaml", entries: [("netG", "unet_265")])
        #expect(throws: OptionError("r.yaml: netG: 'unet_265' is not one of unet_128, unet_256, resnet_6blocks, resnet_9blocks, "
            + "srresnet; did you mean 'unet_256'?")) { try TrainOptions.resolve([recipe]) }
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

    @Test func resolvedPairsUseTheReferenceSpellingAndRoundTrip() throws {
        var options = TrainOptions(model: .colorization)
        options.dataroot = "photos"
        options.ngf = 16
        options.maxDatasetSize = 40
        let keys = options.resolvedPairs.map(\.key)
        #expect(keys.contains("netG") && keys.contains("netD") && keys.contains("n_layers_D") && keys.contains("lambda_L1"))
        var copy = TrainOptions()
        for (key, value) in options.resolvedPairs { try copy.set(key, value) }
        #expect(copy == options)
    }

    /// The table is the one place an option is described: every stored property has exactly one row,
    /// and no two names (keys or aliases, in any spelling) collide.
    @Test func everyStoredPropertyHasOneRowAndNamesAreUnambiguous() {
        #expect(Mirror(reflecting: TrainOptions()).children.count == TrainOptions.table.count)
        #expect(Set(TrainOptions.table.map(\.keyPath)).count == TrainOptions.table.count)
        let names = TrainOptions.table.flatMap { [$0.key] + $0.aliases }.map(OptionNames.normalized)
        #expect(Set(names).count == names.count)
        for row in TrainOptions.table {
            #expect(TrainOptions.spec(named: String(row.flag.dropFirst(2)))?.key == row.key)
            // The model row's value is the model itself, chosen before any default applies.
            for model in TrainOptions.Model.allCases where row.key != "model" {
                var options = TrainOptions(model: model)
                #expect(throws: Never.self) { try options.set(row.key, row.defaultText(for: model)) }
                #expect(options == TrainOptions(model: model), "\(row.key) default for \(model) does not round-trip")
            }
        }
    }

    @Test func validationNamesTheProblem() {
        var options = TrainOptions(model: .pix2pix)
        options.dataroot = "x"
        options.cropSize = 300
        options.loadSize = 286
        #expect(throws: OptionError("--crop-size (300) must not exceed --load-size (286) with --preprocess resize_and_crop")) {
            try options.validate()
        }
        options = TrainOptions(model: .pix2pix)
        options.dataroot = "x"
        options.datasetMode = .unaligned
        #expect(throws: OptionError("--dataset-mode unaligned: pix2pix trains on dataset_mode aligned")) { try options.validate() }
    }

    @Test func helpListsEveryFlagWithItsModelDefaults() {
        let help = TrainOptions.helpText().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for row in TrainOptions.table { #expect(help.contains(" \(row.flag) ")) }
        #expect(help.contains("--lambda-L1 <number>") && help.contains("--n-layers-D <integer>"))
        #expect(help.contains("(default: resnet_9blocks; pix2pix: unet_256; colorization: unet_256; srgan: srresnet)"))
        #expect(help.contains("Models: cycle_gan."))
    }
}
