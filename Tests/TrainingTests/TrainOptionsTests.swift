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

    @Test func unknownKeysAndValuesNameTheNearestValidOne() {
        var options = TrainOptions()
        #expect(throws: OptionError("unknown option 'lamda_L1'; did you mean 'lambda_L1'?")) { try options.set("lamda_L1", "1") }
        #expect(throws: OptionError("norm: 'btach' is not one of batch, instance, none; did you mean 'batch'?")) {
            try options.set("norm", "btach")
        }
        #expect(throws: OptionError("crop-size: 'big' is not a valid integer")) { try options.set("crop-size", "big") }
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
}
