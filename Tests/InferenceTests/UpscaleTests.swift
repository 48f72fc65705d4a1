import Foundation
import ImageCodecs
import ImageDatasets
import Inference
import Layers
import Networks
import Tensors
import Testing
import TestSupport

/// `translate upscale`: output sizes, seamless tiles, gray, 16-bit, alpha, the resampling
/// baselines against Pillow, and the command's file-tool behaviour.
@Suite struct UpscaleTests {
    /// A random tiny SRResNet (2 blocks, 8 channels). He-normal weights keep activations near unit
    /// size, so tile errors would show (the reference's N(0, 0.02) makes every output nearly 0).
    /// Receptive field radius in input pixels: 9×9 head 4, 2 blocks × 2 convs 4, trunk 1, the ×2
    /// upsampling convs 1 + ½, the 9×9 tail at ×4 1: 11.5.
    static func network(scale: Int = 4, seed: UInt64 = 5) -> (NetworkSpec, any Layer) {
        var spec = NetworkSpec.generator(.srresnet, baseFilters: 8)
        spec.blocks = 2
        spec.scale = scale
        let network = spec.makeNetwork()
        var rng = SeededGenerator(seed: seed)
        initializeWeights(network, .kaiming(gain: 1), using: &rng)
        return (spec, network)
    }

    static func upscale(_ pixels: PixelBuffer, _ transform: ImageTransform, _ runner: GeneratorRunner) -> PixelBuffer {
        let prepared = transform.prepare(pixels)
        let output = runner.run([prepared.input])[0]
        return transform.finish(prepared, output: output, alphaOutput: prepared.alphaInput.map { runner.run([$0])[0] })
    }

    static func transform(_ spec: NetworkSpec, outscale: Double? = nil,
                          alpha: UpscaleOptions.AlphaUpsampler = .model) throws -> ImageTransform {
        try ImageTransform.upscaling(spec: spec, preprocessing: Preprocessing.defaults(for: spec),
                                     options: UpscaleOptions(outscale: outscale, alphaUpsampler: alpha))
    }

    // MARK: - Sizes

    @Test(arguments: [(1, 1), (7, 5), (33, 17)], [nil, 2.5, 3.0] as [Double?])
    func outputIsExactlyOutscaleTimesTheInput(size: (width: Int, height: Int), outscale: Double?) throws {
        let (spec, network) = Self.network()
        let runner = GeneratorRunner(spec: spec, network: network, tileSize: 0)
        let output = Self.upscale(TestImages.pattern(width: size.width, height: size.height, channels: 3),
                                  try Self.transform(spec, outscale: outscale), runner)
        let factor = outscale ?? 4
        let expected = (Int((Double(size.width) * factor).rounded()), Int((Double(size.height) * factor).rounded()))
        #expect(output.width == expected.0 && output.height == expected.1 && output.channels == 3,
                "\(size) × \(factor): got \(output.width)×\(output.height)")
    }

    @Test func roundingIsHalfAwayFromZeroAndAtLeastOne() {
        #expect(UpscaleOptions.scaled(37, by: 2.5) == 93)  // 92.5
        #expect(UpscaleOptions.scaled(7, by: 2.5) == 18)  // 17.5
        #expect(UpscaleOptions.scaled(1, by: 0.1) == 1)
        #expect(UpscaleOptions.scaled(33, by: 3) == 99)
    }

    @Test func translationCheckpointsAreRefused() throws {
        let (spec, _) = TestImages.generator()
        #expect(spec.upscaleFactor == nil)
        #expect(Self.network().0.upscaleFactor == 4)
        #expect(Self.network().0.receptiveFieldRadius == 12)
        #expect(NetworkSpec.generator(.srresnet).receptiveFieldRadius == 40)
        #expect(throws: InferenceError.self) { try Self.transform(spec) }
        do {
            _ = try Self.transform(spec)
        } catch let error as InferenceError {
            #expect(error.code == .usage && error.message.contains("use `translate apply`"))
        }
    }

    // MARK: - Tiles

    /// With a context margin of at least the receptive field's radius (12 here; the runner takes
    /// the radius, at most a third of the overlap), every tile's weighted output is exact, so the
    /// blend equals the whole-image pass.
    @Test func tiledEqualsUntiledWhenTheOverlapCoversTheReceptiveField() {
        let (spec, network) = Self.network()
        let image = Compare.randomTensor([1, 3, 104, 150], seed: 21).abs()  // inputs in [0, 1]
        let whole = GeneratorRunner(spec: spec, network: network, tileSize: 0).run([image])[0]
        let tiledRunner = GeneratorRunner(spec: spec, network: network, tileSize: 96, overlap: 48)
        #expect(tiledRunner.needsTiles(height: 104, width: 150) && tiledRunner.margin == 12)
        let tiled = tiledRunner.run([image])[0]
        #expect(whole.shape == [1, 3, 416, 600] && tiled.shape == whole.shape)
        // The network is not trivial: outputs spread well beyond the tolerance.
        let values = whole.scalars
        let mean = values.reduce(0, +) / Float(values.count)
        let spread = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
        #expect(spread > 0.05, "output spread \(spread)")
        let error = tiled.maxAbsoluteDifference(whole)
        #expect(error < 1e-3, "tiled vs whole: \(error)")
        // Feathering over the whole overlap (margin 0) mixes in tile-edge values: a visible seam.
        let feathered = Tiling.run(image, multiple: 1, scale: 4, tileSize: 96, overlap: 48, margin: 0) {
            network($0, phase: .inference)
        }
        #expect(feathered.maxAbsoluteDifference(whole) > 1e-3)
    }

    /// The runner's forward pass (Winograd for the 3×3 convolutions) equals the layers' own.
    @Test func fastForwardMatchesTheLayers() {
        let (spec, network) = Self.network(scale: 2)
        let image = Compare.randomTensor([1, 3, 13, 10], seed: 4).abs()
        let fast = GeneratorRunner(spec: spec, network: network, tileSize: 0).run([image])[0]
        let plain = GeneratorRunner(spec: spec, network: network, tileSize: 0, fastConvolutions: false).run([image])[0]
        #expect(fast.shape == [1, 3, 26, 20] && plain.shape == fast.shape)
        let scale = plain.scalars.map { Swift.abs($0) }.max() ?? 1
        #expect(fast.maxAbsoluteDifference(plain) <= 1e-4 * Swift.max(1, scale))
    }

    @Test func rampsWithAMarginSumToOneAcrossTheOverlap() {
        let length = 40, overlap = 16, margin = 4
        let falling = Tiling.ramp(length: length, overlap: overlap, margin: margin, rising: false, falling: true)
        let rising = Tiling.ramp(length: length, overlap: overlap, margin: margin, rising: true, falling: false)
        // The second tile starts `length - overlap` into the first.
        for j in 0..<overlap {
            let sum = falling[length - overlap + j] + rising[j]
            #expect(abs(sum - 1) < 1e-6, "position \(j): \(sum)")
        }
        #expect(rising[0..<margin].allSatisfy { $0 == 0 } && falling[(length - margin)...].allSatisfy { $0 == 0 })
        #expect(rising[overlap - margin] == 1)
    }

    // MARK: - Channels and depth

    @Test func grayStaysGrayAndSixteenBitStaysSixteenBit() throws {
        let (spec, network) = Self.network()
        let runner = GeneratorRunner(spec: spec, network: network, tileSize: 0)
        let transform = try Self.transform(spec)
        let gray = Self.upscale(TestImages.pattern(width: 9, height: 7, channels: 1), transform, runner)
        #expect(gray.channels == 1 && gray.width == 36 && gray.height == 28 && gray.sampleType == .uint8)
        let deep = Self.upscale(TestImages.pattern(width: 9, height: 7, channels: 3, sixteenBit: true), transform,
                                runner)
        #expect(deep.channels == 3 && deep.sampleType == .uint16 && deep.width == 36)
        // Real 16-bit precision: not just 8-bit values times 257.
        #expect(deep.words.contains { $0 % 257 != 0 })
        let deepGray = Self.upscale(TestImages.pattern(width: 5, height: 4, channels: 2, sixteenBit: true),
                                    try Self.transform(spec, outscale: 2.5), runner)
        #expect(deepGray.channels == 2 && deepGray.sampleType == .uint16)
        #expect(deepGray.width == 13 && deepGray.height == 10)
    }

    // MARK: - Alpha

    /// `model`: alpha through the network as a gray image, back to gray (ITU-R 601 luma, as
    /// Real-ESRGAN's BGR2GRAY); `bicubic`: Pillow bicubic of the alpha channel. They differ.
    @Test(arguments: [nil, 2.5] as [Double?])
    func alphaUpsamplerTakesEffectAndMatchesItsDefinition(outscale: Double?) throws {
        let (spec, network) = Self.network()
        let runner = GeneratorRunner(spec: spec, network: network, tileSize: 0)
        let rgba = TestImages.pattern(width: 11, height: 9, channels: 4, seed: 3)
        let byModel = Self.upscale(rgba, try Self.transform(spec, outscale: outscale, alpha: .model), runner)
        let byBicubic = Self.upscale(rgba, try Self.transform(spec, outscale: outscale, alpha: .bicubic), runner)
        let (w, h) = outscale == nil ? (44, 36) : (28, 23)
        #expect(byModel.channels == 4 && byModel.width == w && byModel.height == h)
        #expect(byBicubic.channels == 4 && byBicubic.width == w && byBicubic.height == h)
        // Same colour, different alpha.
        #expect(byModel.droppingAlpha() == byBicubic.droppingAlpha())
        let modelAlpha = try #require(byModel.alphaChannel()), bicubicAlpha = try #require(byBicubic.alphaChannel())
        #expect(modelAlpha != bicubicAlpha)

        let alpha = try #require(rgba.alphaChannel())
        #expect(bicubicAlpha == alpha.resized(width: w, height: h, filter: .bicubic))
        // SRResNet takes [0, 1] and gives [-1, 1] (Preprocessing.defaults); gray to RGB copies alpha to R, G, B.
        let alphaImage = PixelTensor.tensor(from: alpha.converted(toChannels: 3), channels: 3, range: .zeroToOne)
        var expected = PixelTensor.pixels(from: runner.run([alphaImage])[0], range: .minusOneToOne, sampleType: .uint8)
            .converted(toChannels: 1)
        if outscale != nil { expected = expected.resized(width: w, height: h, filter: ResampleFilter.lanczos) }
        #expect(modelAlpha == expected)
    }

    // MARK: - Resampling against Pillow

    struct Reference: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var filter: String
        var channels: Int
        var width: Int
        var height: Int
        var outscale: Double?
        var description: String { name }
    }

    struct Manifest: Decodable {
        var source: String
        var resize: [Reference]
    }

    static let manifest: Manifest = {
        let data = (try? Data(contentsOf: Fixtures.url("upscale/manifest.json"))) ?? Data()
        return (try? JSONDecoder().decode(Manifest.self, from: data)) ?? Manifest(source: "", resize: [])
    }()

    static func source(channels: Int) throws -> PixelBuffer {
        let pixels = try ImageDecoder.decode(contentsOf: Fixtures.url(manifest.source).path).pixels
        return channels == 1 ? pixels.converted(toChannels: 1) : pixels
    }

    @Test func manifestIsThere() {
        #expect(Self.manifest.resize.count == 20)
    }

    /// Lanczos (and the bicubic baseline) equal Pillow's `Image.resize` sample for sample; entries
    /// with an outscale go through `translate upscale --method`'s transform.
    @Test(arguments: manifest.resize)
    func resamplingMatchesPillow(_ reference: Reference) throws {
        let filter = try #require(ResampleFilter(rawValue: reference.filter))
        let source = try Self.source(channels: reference.channels)
        let ours: PixelBuffer
        if let outscale = reference.outscale {
            let transform = ImageTransform.resampling(filter, outscale: outscale)
            ours = transform.finish(transform.prepare(source), output: Tensor(zeros: [1, 1, 1, 1]))
        } else {
            ours = source.resized(width: reference.width, height: reference.height, filter: filter)
        }
        let pillow = try ImageDecoder.decode(contentsOf: Fixtures.url("upscale/" + reference.name).path).pixels
        #expect(ours.width == pillow.width && ours.height == pillow.height && ours.channels == pillow.channels)
        let differences = zip(ours.bytes, pillow.bytes).map { abs(Int($0) - Int($1)) }
        let differing = differences.filter { $0 != 0 }.count
        #expect(differing == 0, "\(reference.name): \(differing) samples differ, by up to \(differences.max() ?? 0)")
    }
}

/// The built binary: exit statuses, a bad file among good ones, reruns, gray and 16-bit files.
@Suite(.serialized) struct UpscaleCommandTests {
    static func srCheckpoint(in folder: String) throws -> String {
        let (spec, network) = UpscaleTests.network()
        let path = folder + "/sr.safetensors"
        try Checkpoint(network: network, spec: spec, preprocessing: nil).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func treeUpscalesWithFailuresReportedAndRerunSkips() throws {
        let root = try TestImages.temporaryFolder("upscale")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try Self.srCheckpoint(in: root)
        let input = root + "/in", output = root + "/out"
        try TestImages.write(TestImages.pattern(width: 7, height: 5, channels: 3), to: input + "/a.png")
        try TestImages.write(TestImages.pattern(width: 6, height: 4, channels: 1), to: input + "/nested/gray.png")
        try TestImages.write(TestImages.pattern(width: 5, height: 3, channels: 3, sixteenBit: true),
                             to: input + "/deep.png")
        try TestImages.write(TestImages.pattern(width: 4, height: 4, channels: 4), to: input + "/nested/rgba.png")
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: URL(fileURLWithPath: input + "/bad.jpg"))

        let first = try ToolBinary.run(["upscale", "--checkpoint", checkpoint, "--outscale", "2.5", input, output])
        #expect(first.status == 1, "stderr: \(first.standardError)")
        #expect(first.standardOutput.hasPrefix("4 done, 0 skipped (up to date), 1 failed"), "\(first.standardOutput)")
        #expect(first.standardError.contains("failed: bad.jpg: "))
        #expect(TestImages.files(under: output, includeHidden: true)
                == ["a.png", "deep.png", "nested/gray.png", "nested/rgba.png"])
        func decode(_ name: String) throws -> PixelBuffer {
            try ImageDecoder.decode(contentsOf: output + "/" + name, options: DecodeOptions(keep16Bit: true)).pixels
        }
        let a = try decode("a.png"), gray = try decode("nested/gray.png"), deep = try decode("deep.png")
        let rgba = try decode("nested/rgba.png")
        #expect(a.width == 18 && a.height == 13 && a.channels == 3)  // 17.5 → 18, 12.5 → 13
        #expect(gray.width == 15 && gray.height == 10 && gray.channels == 1)
        #expect(deep.width == 13 && deep.height == 8 && deep.sampleType == .uint16)
        #expect(rgba.width == 10 && rgba.channels == 4)

        let again = try ToolBinary.run(["upscale", "--checkpoint", checkpoint, "--outscale", "2.5", input, output])
        #expect(again.status == 1)
        #expect(again.standardOutput.hasPrefix("0 done, 4 skipped (up to date), 1 failed"), "\(again.standardOutput)")
    }

    @Test func usageErrorsExitTwo() throws {
        let root = try TestImages.temporaryFolder("upscale-usage")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let translation = try TestImages.checkpoint(in: root)  // resnet_6blocks: keeps the size
        try TestImages.write(TestImages.pattern(width: 4, height: 4, channels: 3), to: root + "/in/a.png")
        let refused = try ToolBinary.run(["upscale", "--checkpoint", translation, root + "/in", root + "/out"])
        #expect(refused.status == 2 && refused.standardError.contains("use `translate apply`"),
                "\(refused.standardError)")
        let missing = try ToolBinary.run(["upscale", "--method", "lanczos", root + "/nothing", root + "/out"])
        #expect(missing.status == 2 && missing.standardError.contains("no such file or folder"))
        let neither = try ToolBinary.run(["upscale", root + "/in", root + "/out"])
        #expect(neither.status == 2)
        let badScale = try ToolBinary.run(["upscale", "--method", "bicubic", "--outscale", "0", root + "/in",
                                           root + "/out"])
        #expect(badScale.status == 2)
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
    }

    /// The default tile comes from --max-memory: 12·ngf·scale² + 48 bytes per input pixel (1584 for
    /// the test network), three quarters of 2 MiB → 992 pixels → 31² tiles.
    @Test func defaultTileComesFromTheMemoryBudget() throws {
        let root = try TestImages.temporaryFolder("upscale-memory")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try Self.srCheckpoint(in: root)
        let budget = 2 * 1024 * 1024 / 4 * 3
        #expect(MemoryBudget.tileSize(budget: budget, spec: UpscaleTests.network().0, workers: 1) == 31)
        try TestImages.write(TestImages.pattern(width: 40, height: 33, channels: 3), to: root + "/in.png")
        let result = try ToolBinary.run(["upscale", "--checkpoint", checkpoint, "--max-memory", "2M", root + "/in.png",
                                         root + "/out.png"])
        #expect(result.status == 0 && result.standardError.contains("tiles above 31² px"), "\(result.standardError)")
        let written = try ImageDecoder.decode(contentsOf: root + "/out.png").pixels
        #expect(written.width == 160 && written.height == 132)
        let both = try ToolBinary.run(["upscale", "--method", "lanczos", "--alpha-upsampler", "bicubic",
                                       root + "/in.png",
                                       root + "/other.png"])
        #expect(both.status == 2)
    }

    /// `--method` without a checkpoint: Pillow's bicubic through the same command.
    @Test func methodBaselineWritesPillowBicubic() throws {
        let root = try TestImages.temporaryFolder("upscale-method")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = TestImages.pattern(width: 9, height: 6, channels: 3)
        try TestImages.write(source, to: root + "/in.png")
        let result = try ToolBinary.run(["upscale", "--method", "bicubic", "--outscale", "3", root + "/in.png",
                                         root + "/out.png"])
        #expect(result.status == 0, "\(result.standardError)")
        let written = try ImageDecoder.decode(contentsOf: root + "/out.png").pixels
        #expect(written == source.resized(width: 27, height: 18, filter: .bicubic))
    }
}
