import ImageCodecs
import Testing

/// Files whose only problem is their metadata (scripts/make_metadata_fixtures.py): the pixels are
/// used, the metadata dropped with a note; damage stays for problems with the pixel data.
@Suite struct MetadataProblemTests {
    @Test func aBadICCMarkerAfterSOFIsANoteNotDamage() throws {
        let image = try ImageDecoder.decode(CodecFixtures.bytes("metadata/jpeg_icc_after_sof.jpg"))
        let clean = try ImageDecoder.decode(CodecFixtures.bytes("metadata/jpeg_icc_after_sof_clean.jpg"))
        #expect(image.warnings.isEmpty && !image.isDamaged, "\(image.warnings)")
        #expect(image.pixels == clean.pixels)
        #expect(image.pixels.width == 24 && image.pixels.height == 16)
        // libjpeg gives no profile for chunks that do not fit together; the clean file has its profile.
        #expect(image.iccProfile == nil && clean.iccProfile?.count == 154)
        #expect(image.notes.count == 1)
        #expect(image.notes.first?.hasPrefix("unusable ICC profile (bad ICC marker)") == true, "\(image.notes)")
        #expect(clean.notes.isEmpty)
        let report = ImageReport.inspect(CodecFixtures.path("metadata/jpeg_icc_after_sof.jpg"))
        #expect(report.isHealthy && report.line.contains("; note: unusable ICC profile"), "\(report.line)")
    }

    @Test func pixelDamageIsStillDamage() throws {
        // A stray RST marker inside the scan: the pixel data are damaged.
        let image = try ImageDecoder.decode(CodecFixtures.bytes("jpeg_bad_marker.jpg"))
        #expect(image.isDamaged && image.notes.isEmpty)
    }

    @Test func aProfileLibpngRefusesIsLeftOutOfThePNGWithANote() throws {
        let source = try ImageDecoder.decode(CodecFixtures.bytes("metadata/png_known_incorrect_srgb.png"))
        let profile = try #require(source.iccProfile, "libpng reads the profile (it refuses it only when writing)")
        #expect(profile.count == 3144)
        let (bytes, notes) = try ImageEncoder.encodeNoting(source.pixels, as: .png, iccProfile: profile)
        #expect(notes.count == 1)
        #expect(notes.first?.contains("known incorrect sRGB profile") == true, "\(notes)")
        let written = try ImageDecoder.decode(bytes)
        #expect(written.pixels == source.pixels && written.iccProfile == nil)
        // The plain API writes it too, without the profile; a good profile is still written.
        #expect(try ImageEncoder.encode(source.pixels, as: .png, iccProfile: profile) == bytes)
        // A profile libpng accepts (littleCMS's sRGB) is still written, without a note.
        let good = try ImageDecoder.decode(CodecFixtures.bytes("png_icc.png"))
        let kept = try ImageEncoder.encodeNoting(good.pixels, as: .png, iccProfile: good.iccProfile)
        let reread = try ImageDecoder.decode(kept.bytes)
        #expect(kept.notes.isEmpty, "\(kept.notes)")
        #expect(good.iccProfile != nil && reread.iccProfile == good.iccProfile)
    }
}
