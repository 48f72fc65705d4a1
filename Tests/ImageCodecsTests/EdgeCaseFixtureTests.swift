import ImageCodecs
import Testing

/// Each file of the edge-case set decodes to the expected size and checksum, decodes with the
/// expected damage warning, or throws the expected code.
@Suite struct EdgeCaseFixtureTests {
    @Test(arguments: CodecFixtures.manifest.files)
    func fixtureDecodesAsExpected(_ entry: CodecFixtures.Entry) throws {
        let bytes = try CodecFixtures.bytes(entry.name)
        switch entry.expect {
        case "ok":
            let image = try ImageDecoder.decode(bytes)
            #expect(image.pixels.width == entry.width && image.pixels.height == entry.height, "\(entry.name)")
            #expect(image.pixels.channels == entry.channels, "\(entry.name)")
            #expect(image.pixels.bitDepth == 8)
            #expect(CodecFixtures.hex(image.pixels.checksum) == entry.checksum, "\(entry.name): pixels differ")
            #expect(image.orientation.rawValue == entry.orientation, "\(entry.name)")
            #expect((image.exif != nil) == entry.hasExif, "\(entry.name)")
            #expect((image.iccProfile != nil) == entry.hasICC, "\(entry.name)")
            #expect(image.format.rawValue == entry.format)
            #expect(image.source.progressive == entry.progressive, "\(entry.name)")
            #expect(image.warnings.isEmpty, "\(entry.name): \(image.warnings)")
            if let expected16 = entry.checksum16 {
                let deep = try ImageDecoder.decode(bytes, options: DecodeOptions(keep16Bit: true))
                #expect(deep.pixels.bitDepth == 16)
                #expect(CodecFixtures.hex(deep.pixels.checksum) == expected16, "\(entry.name): 16-bit pixels differ")
                // Our own 16 → 8 rounding agrees with libpng's.
                #expect(deep.pixels.convertedTo8Bit() == image.pixels)
            }
        case "damaged":
            let image = try ImageDecoder.decode(bytes)
            #expect(image.pixels.width == entry.width && image.pixels.height == entry.height)
            #expect(image.pixels.channels == entry.channels)
            #expect(image.isDamaged, "\(entry.name) decoded without a warning")
            #expect(image.warnings.first?.code.rawValue == entry.warning, "\(entry.name): \(image.warnings)")
        default:
            do {
                let image = try ImageDecoder.decode(bytes)
                let size = "\(image.pixels.width)×\(image.pixels.height)"
                Issue.record("\(entry.name) decoded to \(size); expected \(entry.code ?? "?")")
            } catch let error as ImageCodecError {
                #expect(error.code.rawValue == entry.code, "\(entry.name): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test func fileErrorsNameTheFile() throws {
        for name in ["empty.jpg", "notes.jpg", "png_truncated.png", "jpeg_12bit.jpg"] {
            let path = CodecFixtures.path(name)
            do {
                _ = try ImageDecoder.decode(contentsOf: path)
                Issue.record("\(name) decoded")
            } catch let error as ImageCodecError {
                #expect(error.path == path)
                #expect(error.description.hasPrefix(path + ": "))
            }
        }
        do {
            _ = try ImageDecoder.decode(contentsOf: CodecFixtures.path("no-such-file.jpg"))
            Issue.record("a missing file decoded")
        } catch let error as ImageCodecError {
            #expect(error.code == .io)
            #expect(error.message.contains("No such file"))
        }
        do {
            _ = try ImageDecoder.decode(contentsOf: CodecFixtures.path("reference"))
            Issue.record("a directory decoded")
        } catch let error as ImageCodecError {
            #expect(error.code == .io)
        }
    }

    @Test func messagesSayWhatIsWrong() throws {
        func message(_ name: String) throws -> String {
            do {
                _ = try ImageDecoder.decode(try CodecFixtures.bytes(name))
                return ""
            } catch let error as ImageCodecError { return error.message }
        }
        #expect(try message("jpeg_12bit.jpg").contains("12-bit"))
        #expect(try message("notes.jpg").contains("not a JPEG or PNG"))
        #expect(try message("animation.gif").contains("GIF"))
        #expect(try message("png_bad_crc.png").contains("CRC"))
        #expect(try message("jpeg_huge_header.jpg").contains("30000×30000"))
        #expect(try message("empty.jpg").contains("empty"))
    }

    @Test func pixelLimitIsConfigurable() throws {
        let bytes = try CodecFixtures.bytes("jpeg_baseline420.jpg")  // 37×23 = 851 pixels
        #expect(throws: ImageCodecError.self) { try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: 850)) }
        #expect(try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: 851)).pixels.width == 37)
        let png = try CodecFixtures.bytes("png_rgb8.png")  // 19×13
        do {
            _ = try ImageDecoder.decode(png, options: DecodeOptions(maxPixels: 200))
            Issue.record("limit ignored")
        } catch let error as ImageCodecError {
            #expect(error.code == .tooLarge)
        }
    }

    @Test func orientationCanBeLeftAlone() throws {
        let bytes = try CodecFixtures.bytes("jpeg_exif6.jpg")
        let raw = try ImageDecoder.decode(bytes, options: DecodeOptions(applyOrientation: false))
        let upright = try ImageDecoder.decode(bytes)
        #expect(raw.pixels.width == 24 && raw.pixels.height == 16)
        #expect(upright.pixels.width == 16 && upright.pixels.height == 24)
        #expect(raw.pixels.oriented(.rotate90Clockwise) == upright.pixels)
        #expect(!raw.orientationApplied && upright.orientationApplied)
        // The EXIF handed out with upright pixels says "normal", so writing it back is safe.
        #expect(raw.exif?.orientation == .rotate90Clockwise)
        #expect(upright.exif?.orientation == .normal)
        #expect(upright.exif?.bytes.count == raw.exif?.bytes.count)
    }
}
