import ImageCodecs
import Testing

/// The lines `translate inspect` prints.
@Suite struct ImageReportTests {
    @Test func goodFilesDescribeFormatSizeAndMetadata() {
        let rotated = ImageReport.inspect(CodecFixtures.path("jpeg_exif6.jpg"))
        #expect(rotated.isHealthy)
        #expect(rotated.line.hasSuffix(
            "jpeg_exif6.jpg: JPEG 16×24, 3 channels (YCbCr), 8-bit, orientation 6 (rotate 90° clockwise), EXIF yes, ICC no"))
        let deep = ImageReport.inspect(CodecFixtures.path("png_rgba16_interlaced.png"))
        #expect(deep.line.hasSuffix(
            "PNG 19×13, 4 channels (RGBA), 16-bit, orientation 1 (normal), EXIF no, ICC no, interlaced"))
        #expect(ImageReport.inspect(CodecFixtures.path("jpeg_icc.jpg")).line.contains("ICC yes"))
    }

    @Test func badFilesGiveOneLineWithTheReason() {
        for (name, reason) in [("notes.jpg", "not a JPEG or PNG"), ("empty.jpg", "empty"), ("jpeg_12bit.jpg", "12-bit"),
                               ("png_huge_header.png", "50000×50000")] {
            let report = ImageReport.inspect(CodecFixtures.path(name))
            #expect(!report.isHealthy)
            #expect(report.line.hasPrefix(CodecFixtures.path(name) + ": error: "))
            #expect(report.line.contains(reason), "\(report.line)")
            #expect(!report.line.contains("\n"))
        }
        let truncated = ImageReport.inspect(CodecFixtures.path("jpeg_truncated.jpg"))
        #expect(!truncated.isHealthy && truncated.line.contains("damaged: "))
    }
}
