import Foundation
import ImageCodecs
import Testing

/// Row-by-row writing (`ImageStreamWriter`) and resizing (`RowResizer`): the same bytes and samples
/// as the whole-image encoder and resize.
@Suite struct StreamingCodecTests {
    /// Noise with smooth structure (so JPEG and PNG filters have something to do), deterministic.
    static func image(width: Int, height: Int, channels: Int, sixteenBit: Bool = false, seed: UInt64 = 1) -> PixelBuffer {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let count = width * height * channels
        let values = (0..<count).map { i -> Int in
            let (p, c) = (i / channels, i % channels)
            let (x, y) = (p % width, p / width)
            return (x * 5 + y * 3 + c * 40) % 200 + next() % 56
        }
        if sixteenBit {
            return PixelBuffer(width: width, height: height, channels: channels,
                               words: values.enumerated().map { UInt16($0.element * 257 + $0.offset % 251) })
        }
        return PixelBuffer(width: width, height: height, channels: channels, bytes: values.map { UInt8($0) })
    }

    /// A minimal ICC profile header of colour space `space` that libpng accepts.
    static func icc(space: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 132)
        func put(_ offset: Int, _ value: [UInt8]) { bytes.replaceSubrange(offset..<offset + value.count, with: value) }
        put(8, [0x02, 0x10, 0, 0])
        put(12, Array("mntr".utf8))
        put(16, Array(space.utf8))
        put(20, Array("XYZ ".utf8))
        put(36, Array("acsp".utf8))
        put(68, [0x00, 0x00, 0xF6, 0xD6, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xD3, 0x2D])
        let count = UInt32(bytes.count)
        put(0, [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)])
        return bytes
    }

    static let exif = ExifData(bytes: [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03,
                                       0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])

    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "translate-stream-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The rows `range` of `pixels`.
    static func rows(_ pixels: PixelBuffer, _ range: Range<Int>) -> PixelBuffer {
        pixels.cropped(to: PixelRect(x: 0, y: range.lowerBound, width: pixels.width, height: range.count))
    }

    @Test(arguments: [(ImageFormat.png, 3, false), (.png, 1, false), (.png, 4, true), (.png, 2, false),
                      (.jpeg, 3, false), (.jpeg, 1, false), (.jpeg, 4, true)])
    func streamedFileHasTheBytesOfTheWholeImageEncoder(format: ImageFormat, channels: Int, sixteenBit: Bool) throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pixels = Self.image(width: 37, height: 29, channels: channels, sixteenBit: sixteenBit)
        let icc = Self.icc(space: channels >= 3 ? "RGB " : "GRAY")
        let path = root + "/out." + format.fileExtension
        let writer = try ImageStreamWriter(path: path, format: format, width: 37, height: 29, channels: channels,
                                           sampleType: pixels.sampleType, exif: Self.exif, iccProfile: icc)
        // Bands of uneven heights, as the tiler gives them.
        var top = 0
        for height in [1, 7, 13, 8] {
            try writer.write(Self.rows(pixels, top..<top + height))
            top += height
        }
        #expect(!FileManager.default.fileExists(atPath: path))  // nothing in place before finish
        try writer.finish()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let expected = try ImageEncoder.encode(pixels, as: format, exif: Self.exif, iccProfile: icc)
        #expect(written == expected, "\(written.count) bytes written, \(expected.count) expected")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out." + format.fileExtension])
    }

    @Test func anUnfinishedWriterLeavesNoFileAndTheOldOneStands() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/out.png"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        do {
            let writer = try ImageStreamWriter(path: path, format: .png, width: 4, height: 4, channels: 3,
                                               sampleType: .uint8)
            try writer.write(Self.rows(Self.image(width: 4, height: 4, channels: 3), 0..<2))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["out.png"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([1, 2, 3]))
        #expect(throws: ImageCodecError.self) {
            _ = try ImageStreamWriter(path: root + "/missing/out.png", format: .png, width: 4, height: 4, channels: 3,
                                      sampleType: .uint8)
        }
    }

    /// Upscaling and downscaling, both pass orders (a tall image shrunk by more in height than width
    /// runs the vertical pass first), 8 and 16 bit: pushed in uneven bands, the rows equal `resized`.
    @Test(arguments: [(37, 23, 148, 92, ResampleFilter.lanczos), (37, 23, 93, 58, .lanczos), (148, 92, 93, 58, .lanczos),
                      (20, 70, 15, 30, .lanczos), (37, 23, 60, 23, .bicubic), (30, 41, 30, 100, .bicubic),
                      (11, 9, 44, 36, .bicubic), (16, 16, 16, 16, .bicubic)])
    func rowResizerEqualsTheWholeImageResize(width: Int, height: Int, newWidth: Int, newHeight: Int,
                                            filter: ResampleFilter) {
        for (channels, sixteenBit) in [(3, false), (1, true), (4, false)] {
            let pixels = Self.image(width: width, height: height, channels: channels, sixteenBit: sixteenBit, seed: 7)
            let expected = pixels.resized(width: newWidth, height: newHeight, filter: filter)
            var resizer = RowResizer(width: width, height: height, channels: channels, sampleType: pixels.sampleType,
                                     newWidth: newWidth, newHeight: newHeight, filter: filter)
            var bands: [PixelBuffer] = []
            var top = 0, step = 1
            while top < height {
                let count = Swift.min(step, height - top)
                if let band = resizer.push(Self.rows(pixels, top..<top + count)) { bands.append(band) }
                top += count
                step = step % 9 + 2
            }
            #expect(resizer.outputRows == newHeight)
            #expect(bands.reduce(0) { $0 + $1.height } == newHeight)
            var samples8: [UInt8] = [], samples16: [UInt16] = []
            for band in bands {
                switch band.samples {
                case .uint8(let values): samples8 += values
                case .uint16(let values): samples16 += values
                }
            }
            let joined = sixteenBit
                ? PixelBuffer(width: newWidth, height: newHeight, channels: channels, words: samples16)
                : PixelBuffer(width: newWidth, height: newHeight, channels: channels, bytes: samples8)
            #expect(joined == expected, "\(width)×\(height) → \(newWidth)×\(newHeight) \(filter), \(channels) channels")
        }
    }
}
