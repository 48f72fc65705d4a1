import ImageCodecs
import ImageDatasets
import Inference
import Layers
import Networks
import Tensors
import Testing

@Suite struct TransformTests {
    static let rgbSpec = NetworkSpec.generator(.resnet6, baseFilters: 4)

    func runner(_ kind: GeneratorKind = .resnet6, inputChannels: Int = 3, outputChannels: Int = 3,
                tileSize: Int = 0, overlap: Int? = nil) -> GeneratorRunner {
        let (spec, network) = TestImages.generator(kind, inputChannels: inputChannels, outputChannels: outputChannels)
        return GeneratorRunner(spec: spec, network: network, tileSize: tileSize, overlap: overlap)
    }

    /// Prepare → network → finish for one image.
    func translate(_ pixels: PixelBuffer, _ transform: ImageTransform, _ runner: GeneratorRunner) -> PixelBuffer {
        let prepared = transform.prepare(pixels)
        return transform.finish(prepared, output: runner.run([prepared.input])[0])
    }

    @Test(arguments: [(1, 1), (7, 1000), (13, 5), (64, 48)])
    func outputHasTheInputSize(height: Int, width: Int) throws {
        let transform = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate)
        let output = translate(TestImages.pattern(width: width, height: height, channels: 3), transform, runner())
        #expect(output.width == width && output.height == height && output.channels == 3)
    }

    @Test func grayIsConvertedAndKeptGrayOnRequest() throws {
        let gray = TestImages.pattern(width: 9, height: 6, channels: 1)
        let plain = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate)
        #expect(translate(gray, plain, runner()).channels == 3)
        let keep = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate, keepMode: true)
        let kept = translate(gray, keep, runner())
        #expect(kept.channels == 1)
        // The gray output is the luma of the RGB output.
        #expect(kept == translate(gray, plain, runner()).converted(toChannels: 1))
    }

    @Test func alphaPassesThroughUntouchedAndSixteenBitStaysSixteenBit() throws {
        let rgba = TestImages.pattern(width: 11, height: 7, channels: 4, sixteenBit: true, seed: 3)
        let transform = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate)
        let output = translate(rgba, transform, runner())
        #expect(output.channels == 4 && output.sampleType == .uint16)
        #expect(output.alphaChannel() == rgba.alphaChannel())
        // 16-bit precision survives: the output is not a multiple of 257 everywhere (not 8-bit scaled up).
        #expect(output.words.contains { $0 % 257 != 0 })
    }

    @Test func sixteenBitInputIsProcessedInFloat() throws {
        // Two 16-bit images that round to the same 8-bit image give different outputs.
        let base = TestImages.pattern(width: 8, height: 8, channels: 3, sixteenBit: true)
        let nudged = PixelBuffer(width: 8, height: 8, channels: 3, words: base.words.map { $0 < 65535 ? $0 | 1 : $0 })
        let transform = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate)
        let a = translate(base, transform, runner()), b = translate(nudged, transform, runner())
        #expect(a != b)
    }

    @Test func loadSizeRunsAtTheModelResolution() throws {
        let transform = try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .translate,
                                           resize: .square(16))
        let output = translate(TestImages.pattern(width: 40, height: 30, channels: 4), transform, runner())
        #expect(output.width == 16 && output.height == 16 && output.channels == 4)
        #expect(ImageTransform.Resize.width(20).size(width: 40, height: 30) == (20, 15))
    }

    @Test func wrongCheckpointKindsAreUsageErrors() {
        let colorization = NetworkSpec.generator(.unet128, inputChannels: 1, outputChannels: 2, baseFilters: 2)
        let lab = Preprocessing.defaults(for: colorization)
        #expect(lab.color == "lab")
        #expect(throws: InferenceError.usage("this is a colorization checkpoint (L → ab in Lab); use `translate colorize`")) {
            try ImageTransform(spec: colorization, preprocessing: lab, mode: .translate)
        }
        #expect(throws: InferenceError.self) {
            try ImageTransform(spec: Self.rgbSpec, preprocessing: Preprocessing(), mode: .colorize)
        }
        #expect(throws: InferenceError.self) {
            try ImageTransform(spec: .discriminator(.basic), preprocessing: Preprocessing(), mode: .translate)
        }
    }

    @Test func colorizeKeepsFullResolutionLightness() throws {
        let spec = NetworkSpec.generator(.unet128, inputChannels: 1, outputChannels: 2, baseFilters: 2)
        let (_, network) = TestImages.generator(.unet128, baseFilters: 2, inputChannels: 1, outputChannels: 2)
        let runner = GeneratorRunner(spec: spec, network: network, tileSize: 0)
        let transform = try ImageTransform(spec: spec, preprocessing: Preprocessing.defaults(for: spec), mode: .colorize,
                                           resize: .square(128))
        let gray = TestImages.pattern(width: 150, height: 97, channels: 1, seed: 5)
        let prepared = transform.prepare(gray)
        #expect(prepared.input.shape == [1, 1, 128, 128])
        let output = transform.finish(prepared, output: runner.run([prepared.input])[0])
        #expect(output.width == 150 && output.height == 97 && output.channels == 3)
        // With zero ab the result is the input's gray exactly (L kept at full resolution).
        let neutral = transform.finish(prepared, output: Tensor(zeros: [1, 2, 128, 128]))
        let expected = gray.converted(toChannels: 3)
        let worst = zip(neutral.bytes, expected.bytes).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst <= 1)
    }

    @Test func batchedImagesEqualImagesRunOneByOne() {
        let runner = runner()
        let images = (0..<3).map { seed in
            PixelTensor.tensor(from: TestImages.pattern(width: 20, height: 12, channels: 3, seed: seed), channels: 3,
                                   range: .minusOneToOne)
        }
        let batched = runner.run(images)
        for (index, image) in images.enumerated() {
            #expect(batched[index].shape == [1, 3, 12, 20])
            #expect(batched[index].scalars == runner.run([image])[0].scalars)
        }
    }

    @Test func tilesAreBlendedIntoTheWholeImage() {
        // With batch norm in inference mode the network is translation-equivariant away from the
        // borders, so a tiled run differs from a whole run only near tile borders, and mildly.
        let batchSpec = NetworkSpec.generator(.resnet6, baseFilters: 4, norm: .batch)
        let batchNetwork = batchSpec.makeNetwork()
        var rng = SeededGenerator(seed: 3)
        initializeWeights(batchNetwork, using: &rng)
        let whole = GeneratorRunner(spec: batchSpec, network: batchNetwork, tileSize: 0)
        let tiled = GeneratorRunner(spec: batchSpec, network: batchNetwork, tileSize: 32, overlap: 16)
        #expect(tiled.needsTiles(height: 40, width: 72) && !whole.needsTiles(height: 40, width: 72))
        let image = PixelTensor.tensor(from: TestImages.pattern(width: 72, height: 40, channels: 3), channels: 3,
                                           range: .minusOneToOne)
        let a = whole.run([image])[0], b = tiled.run([image])[0]
        #expect(a.shape == b.shape && b.shape == [1, 3, 40, 72])
        #expect(!b.hasNonFinite)
        #expect(a.maxAbsoluteDifference(b) < 0.5)
    }

    @Test func memoryBudgetGivesTilesThatFit() {
        let spec = NetworkSpec.generator(.resnet9)
        #expect(MemoryBudget.activationBytesPerPixel(spec) == 768)
        // 4 GiB for 2 workers: 2 GiB each at 768 + 48 B per pixel → about 1620² pixels.
        let tile = MemoryBudget.tileSize(budget: 4 << 30, spec: spec, workers: 2)
        #expect(tile % 4 == 0 && tile > 1550 && tile < 1700)
        #expect(MemoryBudget.tileSize(budget: 1, spec: NetworkSpec.generator(.unet256), workers: 1) == 256)
        #expect(MemoryBudget.defaultOverlap(spec: spec, tileSize: 1024) == 256)
    }
}
