import ImageCodecs
import ImageDatasets
import Tensors
import Testing

@Suite struct PixelTensorTests {
    @Test func levelsMapLikeToTensorThenNormalize() {
        let pixels = PixelBuffer(width: 3, height: 1, channels: 1, bytes: [0, 128, 255])
        let t = PixelTensor.tensor(from: pixels)
        #expect(t.shape == [1, 1, 3])
        // (v / 255 - 0.5) / 0.5 in Float, as torchvision computes it.
        #expect(t.scalars == [-1, (Float(128) / 255 - 0.5) / 0.5, 1])
    }

    @Test func layoutIsPlanarCHW() {
        // 2×1 RGB: pixel 0 = (0, 255, 0), pixel 1 = (255, 0, 255).
        let pixels = PixelBuffer(width: 2, height: 1, channels: 3, bytes: [0, 255, 0, 255, 0, 255])
        #expect(PixelTensor.tensor(from: pixels).scalars == [-1, 1, 1, -1, -1, 1])
    }

    @Test(arguments: [1, 3, 4])
    func fusedCropAndFlipEqualThePixelOperations(channels: Int) {
        let pixels = Synthetic.picture(width: 13, height: 9, seed: 3).converted(toChannels: channels)
        let rect = PixelRect(x: 2, y: 3, width: 7, height: 5)
        for flip in [false, true] {
            let fused = PixelTensor.tensor(from: pixels, crop: rect, flipHorizontally: flip)
            var step = pixels.cropped(to: rect)
            if flip { step = step.flippedHorizontally() }
            #expect(fused.scalars == PixelTensor.tensor(from: step).scalars)
        }
    }

    @Test func tensorToPixelsRoundTrips() {
        let pixels = Synthetic.picture(width: 11, height: 7, seed: 1)
        #expect(PixelTensor.pixels(from: PixelTensor.tensor(from: pixels)) == pixels)
        let gray = pixels.converted(toChannels: 1)
        #expect(PixelTensor.pixels(from: PixelTensor.tensor(from: gray)) == gray)
        // Out-of-range and NaN values clamp.
        let wild = Tensor(shape: [1, 1, 4], scalars: [-3, 3, .nan, 0])
        #expect(PixelTensor.pixels(from: wild).bytes == [0, 255, 0, 128])
    }

    @Test func batchImagesComeBackOut() throws {
        let a = Synthetic.picture(width: 4, height: 3, seed: 1), b = Synthetic.picture(width: 4, height: 3, seed: 2)
        let batch = try ImageSample.collate([
            ImageSample(image: PixelTensor.tensor(from: a), path: "a"),
            ImageSample(image: PixelTensor.tensor(from: b), path: "b"),
        ])
        #expect(batch.images.shape == [2, 3, 3, 4])
        #expect(PixelTensor.pixels(from: batch.images, batchIndex: 1) == b)
        #expect(batch.paths == ["a", "b"])
    }

    @Test func samplesOfDifferentSizesDoNotStack() {
        let a = PixelTensor.tensor(from: Synthetic.picture(width: 4, height: 3, seed: 1))
        let b = PixelTensor.tensor(from: Synthetic.picture(width: 5, height: 3, seed: 1))
        #expect(throws: ImageDatasetError.self) {
            try ImageSample.collate([ImageSample(image: a, path: "a.jpg"), ImageSample(image: b, path: "b.jpg")])
        }
    }
}

@Suite struct PreprocessingTests {
    func options(_ preprocess: Preprocess, load: Int = 286, crop: Int = 256) -> DatasetOptions {
        var options = DatasetOptions()
        options.preprocess = preprocess
        options.loadSize = load
        options.cropSize = crop
        return options
    }

    @Test func resizeStageFollowsTheReference() {
        #expect(options(.resizeAndCrop).resizedSize(width: 500, height: 300) == (286, 286))
        #expect(options(.crop).resizedSize(width: 500, height: 300) == (500, 300))
        // __scale_width: height = max(load·h/w, crop), truncated.
        #expect(options(.scaleWidth, load: 200, crop: 50).resizedSize(width: 400, height: 300) == (200, 150))
        #expect(options(.scaleWidth, load: 200, crop: 180).resizedSize(width: 400, height: 300) == (200, 180))
        #expect(options(.scaleWidth, load: 200, crop: 50).resizedSize(width: 200, height: 77) == (200, 77))
        // __make_power_2(base 4) with Python's round-half-to-even: 30 → 32, 17 → 16, 18 → 16, 22 → 24.
        #expect(options(.none).resizedSize(width: 30, height: 17) == (32, 16))
        #expect(options(.none).resizedSize(width: 18, height: 22) == (16, 24))
        #expect(options(.none).resizedSize(width: 1, height: 64) == (4, 64))
    }

    @Test func drawsStayInsideAndCoverTheRange() throws {
        var rng = SeededGenerator(seed: 7)
        var xs = Set<Int>(), flips = Set<Bool>()
        let opts = options(.crop, crop: 4)
        for _ in 0..<400 {
            let plan = try opts.drawPlan(width: 10, height: 6, path: "p", using: &rng)
            let crop = try #require(plan.crop)
            #expect(crop.fits(width: 10, height: 6) && crop.width == 4 && plan.resize == nil)
            xs.insert(crop.x)
            flips.insert(plan.flip)
        }
        #expect(xs == Set(0...6) && flips == [false, true])
        var noFlip = opts
        noFlip.noFlip = true
        #expect(try noFlip.drawPlan(width: 10, height: 6, path: "p", using: &rng).flip == false)
    }

    @Test func cropLargerThanTheImageNamesFileAndSizes() {
        var rng = SeededGenerator(seed: 1)
        do {
            _ = try options(.crop, crop: 256).drawPlan(width: 200, height: 150, path: "photos/small.jpg", using: &rng)
            Issue.record("no error")
        } catch let error as ImageDatasetError {
            #expect(error.code == .cropTooLarge && error.path == "photos/small.jpg")
            #expect(error.message.contains("256×256") && error.message.contains("200×150"))
        } catch { Issue.record("\(error)") }
    }

    @Test func optionsAreValidated() {
        var bad = options(.resizeAndCrop, load: 256, crop: 300)
        #expect(throws: ImageDatasetError.self) { try bad.validate() }
        bad = DatasetOptions()
        bad.inputChannels = 2
        #expect(throws: ImageDatasetError.self) { try bad.validate() }
        #expect(throws: Never.self) { try DatasetOptions().validate() }
    }
}
