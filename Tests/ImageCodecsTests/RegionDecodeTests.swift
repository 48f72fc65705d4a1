import ImageCodecs
import Testing

/// Decoding a rectangle gives exactly the pixels of that rectangle of a full decode.
@Suite struct RegionDecodeTests {
    @Test(arguments: [
        "jpeg_baseline420.jpg", "jpeg_baseline444.jpg", "jpeg_progressive.jpg", "jpeg_gray.jpg",
        "jpeg_cmyk.jpg", "png_rgb8.png", "jpeg_exif2.jpg", "jpeg_exif5.jpg", "jpeg_exif6.jpg",
        "jpeg_exif7.jpg", "jpeg_exif8.jpg",
    ])
    func regionEqualsCropOfFullDecode(_ name: String) throws {
        let bytes = try CodecFixtures.bytes(name)
        let full = try ImageDecoder.decode(bytes).pixels
        var checked = 0
        for (x, y, w, h) in [
            (0, 0, 8, 8), (3, 5, 9, 7), (full.width - 5, full.height - 4, 5, 4),
            (1, 1, full.width - 2, full.height - 2),
            (0, 0, full.width, full.height), (7, 0, 1, full.height),
        ] {
            let rect = PixelRect(x: x, y: y, width: w, height: h)
            guard rect.fits(width: full.width, height: full.height) else { continue }
            let info = try ImageDecoder.readInfo(bytes)
            #expect(info.width == full.width && info.height == full.height)
            let part = try ImageDecoder.decode(bytes, region: rect)
            #expect(part.pixels == full.cropped(to: rect), "\(name) \(rect)")
            checked += 1
        }
        #expect(checked >= 5)
    }
}
