import Foundation
import ImageCodecs
import Testing

@Suite struct EncoderTests {
    static func photo() throws -> PixelBuffer {
        try ImageDecoder.decode(contentsOf: CodecFixtures.referencePath("resize_source.png")).pixels
    }

    @Test(arguments: [1, 2, 3, 4])
    func pngRoundTripIsExact(channels: Int) throws {
        let pixels = try Self.photo().converted(toChannels: channels)
        let decoded = try ImageDecoder.decode(try ImageEncoder.encode(pixels, as: .png))
        #expect(decoded.pixels == pixels)
        let deep = pixels.convertedTo16Bit()
        let bytes = try ImageEncoder.encode(deep, as: .png, png: PNGEncodeOptions(compressionLevel: 1))
        #expect(try ImageDecoder.decode(bytes, options: DecodeOptions(keep16Bit: true)).pixels == deep)
        #expect(try ImageDecoder.decode(bytes).pixels == pixels)
    }

    @Test func jpegRoundTripIsClose() throws {
        let pixels = try Self.photo()
        let bytes = try ImageEncoder.encode(
            pixels, as: .jpeg, jpeg: JPEGEncodeOptions(quality: 95, chromaSubsampling: .none))
        let decoded = try ImageDecoder.decode(bytes).pixels
        let meanError =
            Double(zip(decoded.bytes, pixels.bytes).map { abs(Int($0) - Int($1)) }.reduce(0, +))
            / Double(pixels.bytes.count)
        // The source carries per-pixel noise (σ = 6), which quality 95 keeps only roughly.
        #expect(meanError < 4, "mean error \(meanError)")
        let progressive = try ImageEncoder.encode(
            pixels, as: .jpeg, jpeg: JPEGEncodeOptions(progressive: true, optimizeCoding: true))
        let image = try ImageDecoder.decode(progressive)
        #expect(image.source.progressive)
        // JPEG drops alpha and 16-bit depth.
        let rgba = try ImageEncoder.encode(pixels.converted(toChannels: 4).convertedTo16Bit(), as: .jpeg)
        #expect(try ImageDecoder.decode(rgba).pixels.channels == 3)
        let gray = try ImageEncoder.encode(pixels.converted(toChannels: 1), as: .jpeg)
        #expect(try ImageDecoder.decode(gray).pixels.channels == 1)
    }

    @Test(arguments: [ImageFormat.jpeg, .png])
    func exifAndICCAreCarriedThrough(format: ImageFormat) throws {
        // Metadata from a source with orientation 6: after decoding, EXIF says "normal".
        let source = try ImageDecoder.decode(try CodecFixtures.bytes("jpeg_exif6.jpg"))
        let icc = try #require(try ImageDecoder.decode(try CodecFixtures.bytes("jpeg_icc.jpg")).iccProfile)
        let exif = try #require(source.exif)
        let bytes = try ImageEncoder.encode(source.pixels, as: format, exif: exif, iccProfile: icc)
        let again = try ImageDecoder.decode(bytes)
        #expect(again.exif == exif)
        #expect(again.iccProfile == icc)
        #expect(again.orientation == .normal)
        #expect(again.pixels.width == source.pixels.width && again.pixels.height == source.pixels.height)
    }

    @Test func largeICCProfileSpansSeveralJPEGMarkers() throws {
        // Over 65519 bytes: libjpeg splits it over APP2 markers; reading reassembles it.
        var profile = try #require(try ImageDecoder.decode(try CodecFixtures.bytes("jpeg_icc.jpg")).iccProfile)
        profile += [UInt8](repeating: 7, count: 150_000)
        let bytes = try ImageEncoder.encode(try Self.photo(), as: .jpeg, iccProfile: profile)
        #expect(try ImageDecoder.decode(bytes).iccProfile == profile)
    }

    @Test func oversizedEXIFIsAClearError() throws {
        let exif = ExifData(bytes: [UInt8](repeating: 0, count: 70_000))
        #expect(throws: ImageCodecError.self) { try ImageEncoder.encode(try Self.photo(), as: .jpeg, exif: exif) }
    }

    @Test func cmykAndYCCKJPEGsDecodeToTheSameRGB() throws {
        // CMYK samples (Adobe-inverted) from an RGB photo, as Photoshop stores them.
        let rgb = try Self.photo()
        var cmyk = [UInt8]()
        for p in 0..<rgb.pixelCount {
            let r = Int(rgb.bytes[3 * p]), g = Int(rgb.bytes[3 * p + 1]), b = Int(rgb.bytes[3 * p + 2])
            // Naive separation: K = 255 - max, ink C = 255·(max - R)/max; stored inverted (255 - ink).
            let top = max(r, g, b)
            func ink(_ v: Int) -> Int { top == 0 ? 0 : (255 * (top - v) + top / 2) / top }
            cmyk += [UInt8(255 - ink(r)), UInt8(255 - ink(g)), UInt8(255 - ink(b)), UInt8(top)]
        }
        let source = PixelBuffer(width: rgb.width, height: rgb.height, channels: 4, bytes: cmyk)
        let plain = try ImageDecoder.decode(try ImageEncoder.encodeCMYKJPEG(source, ycck: false, quality: 100))
        let ycck = try ImageDecoder.decode(try ImageEncoder.encodeCMYKJPEG(source, ycck: true, quality: 100))
        #expect(plain.source.colorModel == "CMYK")
        #expect(ycck.source.colorModel == "YCCK")
        for decoded in [plain, ycck] {
            #expect(decoded.pixels.channels == 3)
            let mean =
                Double(zip(decoded.pixels.bytes, rgb.bytes).map { abs(Int($0) - Int($1)) }.reduce(0, +))
                / Double(rgb.bytes.count)
            // Quality 100 leaves only rounding: the CMYK → RGB formula is Pillow's.
            #expect(mean < 1, "\(decoded.source.colorModel): mean error \(mean)")
        }
    }

    @Test func writeIsAtomicAndNamesTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("codec-write-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pixels = try Self.photo()
        let target = directory.appendingPathComponent("out.png").path
        try ImageEncoder.write(pixels, to: target)
        #expect(try ImageDecoder.decode(contentsOf: target).pixels == pixels)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.png"])
        let missing = directory.appendingPathComponent("no/such/dir/out.jpg").path
        do {
            try ImageEncoder.write(pixels, to: missing)
            Issue.record("wrote into a missing folder")
        } catch let error as ImageCodecError {
            #expect(error.code == .io && error.path == missing)
        }
    }
}
