import Foundation
import ImageCodecs
import ImageDatasets
import Inference
import Layers
import Networks
import Tensors
import Testing
import TestSupport

/// Streamed upscaling (issue 12): bands of tiles, row-by-row pixels, resize and encoding give
/// exactly the output of the whole-image path.
@Suite struct UpscaleStreamingTests {
    /// The blend `Tiling.run` made before bands (one accumulation buffer for the whole output), as
    /// the reference the band tiler must match bit for bit.
    static func wholeImageBlend(_ image: Tensor, multiple: Int, scale: Int, tileSize: Int, overlap: Int, margin: Int,
                                _ network: (Tensor) -> Tensor) -> Tensor {
        let (_, _, h, w) = image.shape.nchw
        let tile = Swift.max(multiple, (tileSize / multiple) * multiple)
        let tileH = Swift.min(tile, h), tileW = Swift.min(tile, w)
        let clampedOverlap = Swift.max(0, Swift.min(overlap, Swift.min(tileH, tileW) / 2))
        let clampedMargin = Swift.max(0, Swift.min(margin, (clampedOverlap - 1) / 2))
        let rows = Tiling.starts(length: h, tile: tileH, overlap: clampedOverlap)
        let columns = Tiling.starts(length: w, tile: tileW, overlap: clampedOverlap)
        let outH = h * scale, outW = w * scale
        var accumulator: [Float] = [], weights = [Float](repeating: 0, count: outH * outW)
        var channels = 0
        for (rowIndex, top) in rows.enumerated() {
            for (columnIndex, left) in columns.enumerated() {
                let piece = Tiling.crop(image, top: top, left: left, height: tileH, width: tileW)
                let result = Tiling.crop(network(Tiling.padToMultiple(piece, multiple: multiple)), top: 0, left: 0,
                                         height: tileH * scale, width: tileW * scale)
                if channels == 0 {
                    channels = result.shape[1]
                    accumulator = [Float](repeating: 0, count: channels * outH * outW)
                }
                let rampY = Tiling.ramp(length: tileH * scale, overlap: clampedOverlap * scale,
                                        margin: clampedMargin * scale, rising: rowIndex > 0,
                                        falling: rowIndex < rows.count - 1)
                let rampX = Tiling.ramp(length: tileW * scale, overlap: clampedOverlap * scale,
                                        margin: clampedMargin * scale, rising: columnIndex > 0,
                                        falling: columnIndex < columns.count - 1)
                let values = result.scalars
                let th = tileH * scale, tw = tileW * scale
                for y in 0..<th {
                    for x in 0..<tw {
                        let weight = rampY[y] * rampX[x]
                        let target = (top * scale + y) * outW + left * scale + x
                        weights[target] += weight
                        for c in 0..<channels {
                            accumulator[c * outH * outW + target] += weight * values[(c * th + y) * tw + x]
                        }
                    }
                }
            }
        }
        for c in 0..<channels {
            for i in 0..<(outH * outW) { accumulator[c * outH * outW + i] /= Swift.max(weights[i], 1e-12) }
        }
        return Tensor(shape: [1, channels, outH, outW], scalars: accumulator)
    }

    /// Tile sizes whose bands end with partial rows and whose last tile is pulled back to the edge.
    @Test(arguments: [(16, 6, 2), (24, 10, 3), (40, 16, 0), (8, 4, 1)])
    func bandsEqualTheWholeImageBlendBitForBit(tileSize: Int, overlap: Int, margin: Int) {
        let image = Compare.randomTensor([1, 3, 45, 61], seed: 3).abs()
        // A real ×2 super-resolution network: tile edges differ, so a misplaced tile would show.
        let (_, layer) = UpscaleTests.network(scale: 2, seed: 8)
        let network = { (x: Tensor) -> Tensor in layer(x, phase: .inference) }
        let expected = Self.wholeImageBlend(image, multiple: 1, scale: 2, tileSize: tileSize, overlap: overlap,
                                            margin: margin, network)
        var tiler = BandTiler(height: 45, width: 61, multiple: 1, scale: 2, tileSize: tileSize, overlap: overlap,
                              margin: margin)
        var bands: [Tensor] = []
        var blocks = 0
        while !tiler.isFinished {
            var row: [Tensor] = []
            tiler.next(input: { Tiling.crop(image, top: $0, left: $1, height: $2, width: $3) }, network) { block, column in
                #expect(column == row.reduce(0) { $0 + $1.shape[3] })
                row.append(block)
                blocks += 1
            }
            bands.append(Tensor.concatenate(row, alongAxis: 3))
        }
        #expect(blocks > bands.count)
        #expect(bands.count >= 2 && bands.allSatisfy { $0.shape[3] == 122 })
        #expect(Tensor.concatenate(bands, alongAxis: 2).scalars == expected.scalars)
        let viaRun = Tiling.run(image, multiple: 1, scale: 2, tileSize: tileSize, overlap: overlap, margin: margin,
                                network)
        #expect(viaRun.scalars == expected.scalars)
    }

    struct Case: Sendable, CustomStringConvertible {
        var channels: Int
        var sixteenBit = false
        var alpha: UpscaleOptions.AlphaUpsampler = .model
        var outscale: Double? = nil
        var tile: Int
        var width = 45
        var height = 37
        var description: String {
            "\(width)×\(height)×\(channels)\(sixteenBit ? " 16-bit" : "") alpha \(alpha) outscale "
                + "\(outscale.map { "\($0)" } ?? "-") tile \(tile)"
        }
    }

    static let cases: [Case] = [
        Case(channels: 3, tile: 16),
        Case(channels: 3, tile: 24),
        Case(channels: 3, outscale: 2.5, tile: 20),
        Case(channels: 3, outscale: 1.5, tile: 16, width: 20, height: 61),  // Lanczos vertical pass first
        Case(channels: 3, sixteenBit: true, tile: 24),
        Case(channels: 1, tile: 16),
        Case(channels: 1, sixteenBit: true, outscale: 3, tile: 24),
        Case(channels: 4, alpha: .model, tile: 16),
        Case(channels: 4, alpha: .bicubic, tile: 24),
        Case(channels: 4, alpha: .model, outscale: 2.5, tile: 20),
        Case(channels: 4, sixteenBit: true, alpha: .bicubic, outscale: 2.5, tile: 16),
        Case(channels: 2, alpha: .model, tile: 24),
    ]

    @Test(arguments: cases)
    func streamedPixelsEqualTheWholeImagePath(_ c: Case) throws {
        let (spec, network) = UpscaleTests.network()
        let runner = GeneratorRunner(spec: spec, network: network, tileSize: c.tile, overlap: 8)
        #expect(runner.needsTiles(height: c.height, width: c.width))
        let transform = try UpscaleTests.transform(spec, outscale: c.outscale, alpha: c.alpha)
        let pixels = TestImages.pattern(width: c.width, height: c.height, channels: c.channels, sixteenBit: c.sixteenBit,
                                        seed: 4)
        let expected = UpscaleTests.upscale(pixels, transform, runner)

        let prepared = transform.prepareStreamed(pixels)
        var bands: [PixelBuffer] = []
        try transform.streamUpscale(prepared, runner: runner) { bands.append($0) }
        #expect(bands.count > 1)
        #expect(bands.allSatisfy { $0.width == expected.width && $0.channels == expected.channels
                    && $0.sampleType == expected.sampleType })
        #expect(transform.streamedChannels(prepared) == expected.channels)
        var samples8: [UInt8] = [], samples16: [UInt16] = []
        for band in bands {
            switch band.samples {
            case .uint8(let values): samples8 += values
            case .uint16(let values): samples16 += values
            }
        }
        let height = bands.reduce(0) { $0 + $1.height }
        let streamed = c.sixteenBit
            ? PixelBuffer(width: expected.width, height: height, channels: expected.channels, words: samples16)
            : PixelBuffer(width: expected.width, height: height, channels: expected.channels, bytes: samples8)
        #expect(streamed == expected)
    }

    /// Through the batch engine: a tiled upscale is streamed into the file, whose bytes equal the
    /// whole-image encode (PNG with metadata, JPEG), and small images still take the batch path.
    @Test func batchRunWritesTheSameFilesAsTheWholeImagePath() throws {
        let root = try TestImages.temporaryFolder("upscale-stream")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (spec, network) = UpscaleTests.network()
        let rgba = TestImages.pattern(width: 41, height: 35, channels: 4, seed: 9)
        let gray = TestImages.pattern(width: 30, height: 26, channels: 1, sixteenBit: true, seed: 2)
        let icc = TestImages.iccProfile(space: "RGB ")
        try TestImages.write(rgba, to: root + "/in/a.png", exif: TestImages.exif(orientation: 1), icc: icc)
        try TestImages.write(rgba.droppingAlpha(), to: root + "/in/b.jpg", icc: icc)
        try TestImages.write(gray, to: root + "/in/c.png")
        try TestImages.write(TestImages.pattern(width: 9, height: 7, channels: 3), to: root + "/in/small.png")
        var settings = BatchRunSettings()
        settings.tile = 16
        settings.tileOverlap = 8
        settings.quiet = true
        settings.jobs = 1
        let transform = try UpscaleTests.transform(spec, outscale: 2.5, alpha: .model)
        let summary = try BatchRun.run(input: root + "/in", output: root + "/out", spec: spec, network: network,
                                       transform: transform, settings: settings, label: "upscale") { _ in }
        #expect(summary.done == 4 && summary.failed == 0, "\(summary.failures)")
        #expect(TestImages.files(under: root + "/out", includeHidden: true) == ["a.png", "b.jpg", "c.png", "small.png"])

        let runner = GeneratorRunner(spec: spec, network: network, tileSize: 16, overlap: 8)
        for (name, format) in [("a.png", ImageFormat.png), ("b.jpg", .jpeg), ("c.png", .png), ("small.png", .png)] {
            let input = try ImageDecoder.decode(contentsOf: root + "/in/" + name,
                                                options: DecodeOptions(keep16Bit: true, applyOrientation: true))
            let pixels = UpscaleTests.upscale(input.pixels, transform, runner)
            let expected = try ImageEncoder.encode(pixels, as: format, jpeg: JPEGEncodeOptions(quality: 95),
                                                   exif: input.exif, iccProfile: input.iccProfile)
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/out/" + name)))
            #expect(written == expected, "\(name): \(written.count) bytes, \(expected.count) expected")
        }
    }
}
