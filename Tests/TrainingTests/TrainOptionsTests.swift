import Testing
import Training

@Suite struct TrainOptionsTests {
    @Test func modelDefaultsFollowTheReference() {
        let pix2pix = TrainOptions(model: .pix2pix)
        #expect(pix2pix.netG == "unet_256" && pix2pix.norm == "batch" && pix2pix.ganMode == "vanilla")
        #expect(pix2pix.poolSize == 0 && pix2pix.lambdaL1 == 100 && pix2pix.datasetMode == "aligned")
        let color = TrainOptions(model: .colorization)
        #expect(color.inputNC == 1 && color.outputNC == 2 && color.datasetMode == "colorization")
        let cycle = TrainOptions(model: .cycle_gan)
        #expect(cycle.netG == "resnet_9blocks" && cycle.noDropout && cycle.ganMode == "lsgan" && cycle.poolSize == 50)
    }

    @Test func keysAcceptEverySpelling() throws {
        var options = TrainOptions()
        try options.set("crop-size", "128")
        try options.set("load_size", "143")
        try options.set("netG", "unet_128")
        try options.set("lambda_L1", "50")
        try options.set("nEpochsDecay", "3")
        try options.set("fineSize", "120")
        try options.set("max-dataset-size", "inf")
        #expect(options.cropSize == 120 && options.loadSize == 143 && options.netG == "unet_128")
        #expect(options.lambdaL1 == 50 && options.nEpochsDecay == 3 && options.maxDatasetSize == Int.max)
    }

    @Test func badValuesAreClearErrors() {
        var options = TrainOptions()
        #expect(throws: OptionError.self) { try options.set("crop-size", "big") }
        #expect(throws: OptionError.self) { try options.set("norm", "layer") }
        #expect(throws: OptionError.self) { try options.set("no-such-flag", "1") }
        options.dataroot = "x"
        options.cropSize = 300
        options.loadSize = 286
        do {
            try options.validate()
            Issue.record("crop larger than load size was accepted")
        } catch {
            #expect("\(error)" == "--crop-size (300) must not exceed --load-size (286) with --preprocess resize_and_crop")
        }
    }

    @Test func resolvedPairsRoundTrip() throws {
        var options = TrainOptions(model: .colorization)
        options.dataroot = "photos"
        options.ngf = 16
        var copy = TrainOptions()
        for (key, value) in options.resolvedPairs { try copy.set(key, value) }
        #expect(copy == options)
    }
}
