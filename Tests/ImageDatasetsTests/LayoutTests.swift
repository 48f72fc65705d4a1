import Foundation
import ImageCodecs
import ImageDatasets
import Tensors
import Testing

@Suite struct LayoutTests {
    func options(_ preprocess: Preprocess, load: Int = 24, crop: Int = 16) -> DatasetOptions {
        var options = DatasetOptions()
        options.preprocess = preprocess
        options.loadSize = load
        options.cropSize = crop
        return options
    }

    // MARK: - aligned

    @Test func pairedHalvesGetTheSameDraw() throws {
        // Identical halves: whatever crop and flip is drawn, a and b must come out equal.
        let folder = TemporaryFolder()
        let half = Synthetic.picture(width: 20, height: 18, seed: 4)
        var both = [UInt8]()
        for y in 0..<18 {
            let row = Array(half.bytes[(y * 20 * 3)..<((y + 1) * 20 * 3)])
            both += row + row
        }
        try ImageEncoder.write(PixelBuffer(width: 40, height: 18, channels: 3, bytes: both), to: folder.url("ab.png"))
        for preprocess in [Preprocess.crop, .resizeAndCrop, .none, .scaleWidthAndCrop] {
            let dataset = try PairedFolderDataset(directory: folder.path, options: options(preprocess))
            var rng = SeededGenerator(seed: 5)
            for _ in 0..<6 {
                let sample = try dataset.sample(at: 0, using: &rng)
                #expect(sample.a.scalars == sample.b.scalars, "\(preprocess)")
                #expect(sample.a.shape == (preprocess == .none ? [3, 16, 20] : [3, 16, 16]), "\(preprocess)")
            }
        }
    }

    @Test func directionChoosesTheInputHalf() throws {
        let folder = TemporaryFolder()
        var bytes = [UInt8]()
        for _ in 0..<8 { bytes += [UInt8](repeating: 0, count: 8 * 3) + [UInt8](repeating: 255, count: 8 * 3) }
        try ImageEncoder.write(PixelBuffer(width: 16, height: 8, channels: 3, bytes: bytes), to: folder.url("ab.png"))
        var opts = options(.crop, crop: 8)
        var rng = SeededGenerator(seed: 1)
        let forward = try PairedFolderDataset(directory: folder.path, options: opts).sample(at: 0, using: &rng)
        #expect(forward.a.scalars.allSatisfy { $0 == -1 } && forward.b.scalars.allSatisfy { $0 == 1 })
        opts.direction = .bToA
        opts.inputChannels = 1
        let backward = try PairedFolderDataset(directory: folder.path, options: opts).sample(at: 0, using: &rng)
        #expect(backward.a.shape == [1, 8, 8] && backward.b.shape == [3, 8, 8])
        #expect(backward.a.scalars.allSatisfy { $0 == 1 } && backward.b.scalars.allSatisfy { $0 == -1 })
    }

    // MARK: - unaligned and single

    @Test func unpairedCountsAndPicksB() throws {
        let folder = TemporaryFolder()
        for i in 0..<3 { folder.image("trainA/a\(i).png", width: 16, height: 16, seed: i) }
        for i in 0..<5 { folder.image("trainB/b\(i).png", width: 16, height: 16, seed: 10 + i) }
        var opts = options(.crop)
        opts.serialBatches = true
        let serial = try UnpairedFolderDataset(root: folder.path, phase: "train", options: opts)
        #expect(serial.count == 5)
        var rng = SeededGenerator(seed: 2)
        for i in 0..<5 {
            let sample = try serial.sample(at: i, using: &rng)
            #expect(sample.pathA.hasSuffix("a\(i % 3).png") && sample.pathB.hasSuffix("b\(i).png"))
        }
        opts.serialBatches = false
        let random = try UnpairedFolderDataset(root: folder.path, phase: "train", options: opts)
        var seen = Set<String>()
        for _ in 0..<60 { seen.insert(try random.sample(at: 0, using: &rng).pathB) }
        #expect(seen.count == 5)
        opts.direction = .bToA
        let swapped = try UnpairedFolderDataset(root: folder.path, phase: "train", options: opts)
        #expect(swapped.inputFiles.count == 5 && swapped.targetFiles.count == 3)
    }

    @Test func singleFolderGivesGrayOrColour() throws {
        let folder = TemporaryFolder()
        folder.image("x.jpg", width: 30, height: 20)
        var opts = options(.resizeAndCrop)
        var rng = SeededGenerator(seed: 3)
        #expect(
            try SingleFolderDataset(directory: folder.path, options: opts).sample(at: 0, using: &rng).image.shape == [
                3, 16, 16,
            ])
        opts.inputChannels = 1
        #expect(
            try SingleFolderDataset(directory: folder.path, options: opts).sample(at: 0, using: &rng).image.shape == [
                1, 16, 16,
            ])
    }

    @Test func cropPathDecodesOnlyTheCropButMatchesTheFullDecode() throws {
        // --preprocess crop on a JPEG decodes just the crop; the tensor equals cropping the full decode.
        let folder = TemporaryFolder()
        let path = folder.image("big.jpg", width: 90, height: 70, seed: 9)
        let opts = options(.crop, crop: 32)
        let dataset = try SingleFolderDataset(directory: folder.path, options: opts)
        let full = try ImageDecoder.decode(contentsOf: path).pixels
        for seed in 0..<8 {
            var rng = SeededGenerator(seed: UInt64(seed))
            var replay = rng
            let sample = try dataset.sample(at: 0, using: &rng)
            let plan = try opts.drawPlan(width: 90, height: 70, path: path, using: &replay)
            #expect(sample.image.scalars == plan.tensor(from: full).scalars)
        }
    }

    @Test func exifOrientationIsAppliedBeforeCropping() throws {
        // A 30×20 stored picture tagged "rotate 90°": the dataset sees it 20 wide and 30 high.
        let folder = TemporaryFolder()
        let stored = Synthetic.picture(width: 30, height: 20, seed: 2)
        let exif = ExifData(bytes: [
            0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
        ])
        #expect(exif.orientation == .rotate90Clockwise)
        try ImageEncoder.write(stored, to: folder.url("phone.jpg"), jpeg: JPEGEncodeOptions(quality: 100), exif: exif)
        var opts = options(.none)
        opts.noFlip = true
        var rng = SeededGenerator(seed: 1)
        let sample = try SingleFolderDataset(directory: folder.path, options: opts).sample(at: 0, using: &rng)
        #expect(sample.image.shape == [3, 32, 20])  // 30 → 32 by the multiple-of-4 rounding
        var cropOptions = options(.crop, crop: 20)
        cropOptions.noFlip = true
        let cropped = try SingleFolderDataset(directory: folder.path, options: cropOptions).sample(at: 0, using: &rng)
        #expect(cropped.image.shape == [3, 20, 20])
    }

    // MARK: - colorization

    @Test func colorizationSplitsLAndAB() throws {
        let folder = TemporaryFolder()
        try ImageEncoder.write(Synthetic.solid(width: 20, height: 20, rgb: (128, 128, 128)), to: folder.url("gray.png"))
        folder.image("colour.png", width: 20, height: 20, seed: 5)
        let dataset = try ColorizationDataset(directory: folder.path, options: options(.crop))
        var rng = SeededGenerator(seed: 9)
        #expect(dataset.files.map { ($0 as NSString).lastPathComponent } == ["colour.png", "gray.png"])
        let gray = try dataset.sample(at: 1, using: &rng)
        #expect(gray.a.shape == [1, 16, 16] && gray.b.shape == [2, 16, 16])
        #expect(gray.b.scalars.allSatisfy { abs($0) < 1e-4 })
        // L of sRGB 128 is 53.585 (scikit-image), so a = 53.585 / 50 - 1.
        #expect(abs(gray.a.scalars[0] - (53.585 / 50 - 1)) < 1e-3)
        var noFlip = options(.none)
        noFlip.noFlip = true
        let colour = try ColorizationDataset(directory: folder.path, options: noFlip).sample(at: 0, using: &rng)
        let back = ColorizationDataset.pixels(l: colour.a, ab: colour.b)
        #expect(back == Synthetic.picture(width: 20, height: 20, seed: 5))
    }

    // MARK: - super-resolution

    @Test func superResolutionMakesLRByBicubicDownscaling() throws {
        let folder = TemporaryFolder()
        let path = folder.image("hr/0001.png", width: 50, height: 41, seed: 3)
        var opts = options(.crop, crop: 16)
        opts.scale = 4
        opts.noFlip = true
        let dataset = try SuperResolutionDataset(highResolution: folder.url("hr"), options: opts)
        let full = try ImageDecoder.decode(contentsOf: path).pixels
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<5 {
            let sample = try dataset.sample(at: 0, using: &rng)
            #expect(sample.a.shape == [3, 4, 4] && sample.b.shape == [3, 16, 16])
            // b is an HR crop on the ×4 grid; a is its bicubic ÷4.
            let hr = PixelTensor.pixels(from: sample.b)
            #expect(PixelTensor.tensor(from: hr.resized(width: 4, height: 4)).scalars == sample.a.scalars)
            var found = false
            for y in stride(from: 0, through: 40 - 16, by: 4) {
                for x in stride(from: 0, through: 48 - 16, by: 4)
                where full.cropped(to: PixelRect(x: x, y: y, width: 16, height: 16)) == hr {
                    found = true
                }
            }
            #expect(found)
        }
        // Evaluation: the whole image, trimmed to a multiple of the scale.
        opts.preprocess = .none
        let whole = try SuperResolutionDataset(highResolution: folder.url("hr"), options: opts).sample(
            at: 0, using: &rng)
        #expect(whole.b.shape == [3, 40, 48] && whole.a.shape == [3, 10, 12])
    }

    @Test func superResolutionPairsFoldersByName() throws {
        let folder = TemporaryFolder()
        folder.image("hr/0001.png", width: 32, height: 24, seed: 1)
        folder.image("hr/0002.png", width: 32, height: 24, seed: 2)
        try FileManager.default.createDirectory(atPath: folder.url("lr"), withIntermediateDirectories: true)
        try ImageEncoder.write(Synthetic.picture(width: 8, height: 6, seed: 1), to: folder.url("lr/0001x4.png"))
        try ImageEncoder.write(Synthetic.picture(width: 8, height: 6, seed: 2), to: folder.url("lr/0002.png"))
        var opts = options(.crop, crop: 16)
        opts.scale = 4
        let dataset = try SuperResolutionDataset(
            highResolution: folder.url("hr"), lowResolution: folder.url("lr"), options: opts)
        #expect(dataset.lowResolutionFiles?.map { ($0 as NSString).lastPathComponent } == ["0001x4.png", "0002.png"])
        var rng = SeededGenerator(seed: 1)
        let sample = try dataset.sample(at: 1, using: &rng)
        #expect(sample.a.shape == [3, 4, 4] && sample.b.shape == [3, 16, 16])
        // A wrong scale is an error naming both files and sizes.
        try FileManager.default.createDirectory(atPath: folder.url("lr2"), withIntermediateDirectories: true)
        for i in 1...2 {
            try ImageEncoder.write(Synthetic.picture(width: 8, height: 6, seed: i), to: folder.url("lr2/000\(i).png"))
        }
        opts.scale = 2
        opts.cropSize = 8
        let wrong = try SuperResolutionDataset(
            highResolution: folder.url("hr"), lowResolution: folder.url("lr2"), options: opts)
        do {
            _ = try wrong.sample(at: 1, using: &rng)
            Issue.record("scale mismatch accepted")
        } catch let error as ImageDatasetError {
            #expect(
                error.code == .unmatchedPair && error.message.contains("0002.png") && error.message.contains("32×24"))
        }
        // An HR image without an LR partner is an error when the dataset is built.
        opts.scale = 4
        opts.cropSize = 16
        try FileManager.default.removeItem(atPath: folder.url("lr/0002.png"))
        #expect(throws: ImageDatasetError.self) {
            try SuperResolutionDataset(highResolution: folder.url("hr"), lowResolution: folder.url("lr"), options: opts)
        }
    }
}
