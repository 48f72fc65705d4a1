/// The two formats this package reads and writes.
public enum ImageFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case jpeg = "JPEG"
    case png = "PNG"

    public var description: String { rawValue }

    /// The usual file extension, without the dot.
    public var fileExtension: String { self == .jpeg ? "jpg" : "png" }

    /// The format the bytes start like, or a thrown error saying what they are instead:
    /// `.truncated` for an empty file, `.unsupported` for a known other image format (GIF,
    /// WebP, BMP, TIFF, HEIF), `.corrupt` for anything else (a text file named `.jpg`).
    public static func detect(_ prefix: some Collection<UInt8>) throws -> ImageFormat {
        let head = Array(prefix.prefix(16))
        if head.isEmpty { throw ImageCodecError(.truncated, "the file is empty (0 bytes)") }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.count < 8, [0xFF, 0xD8, 0xFF].starts(with: head) || [0x89, 0x50, 0x4E, 0x47].starts(with: head) {
            throw ImageCodecError(.truncated, "the file is only \(head.count) bytes long (truncated download?)")
        }
        if let other = otherFormatName(head) {
            throw ImageCodecError(.unsupported, "\(other) images are not supported; convert to PNG or JPEG")
        }
        throw ImageCodecError(.corrupt, "not a JPEG or PNG image (it starts with \(describe(head)))")
    }

    private static func otherFormatName(_ head: [UInt8]) -> String? {
        func ascii(_ range: Range<Int>) -> String? {
            guard head.count >= range.upperBound else { return nil }
            return String(decoding: head[range], as: UTF8.self)
        }
        if ascii(0..<4) == "GIF8" { return "GIF" }
        if ascii(0..<4) == "RIFF", ascii(8..<12) == "WEBP" { return "WebP" }
        if ascii(0..<2) == "BM" { return "BMP" }
        if ascii(0..<4) == "II*\u{0}" || ascii(0..<4) == "MM\u{0}*" { return "TIFF" }
        if ascii(4..<8) == "ftyp" {
            let brand = ascii(8..<12) ?? ""
            return brand.hasPrefix("avi") ? "AVIF" : "HEIF/HEIC"
        }
        if head.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50]) || head.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return "JPEG 2000"
        }
        if head.starts(with: [0xFF, 0x0A]) || ascii(4..<12) == "JXL \r\n\u{87}\n" { return "JPEG XL" }
        return nil
    }

    /// The first bytes as hex plus printable text: `68 65 6c 6c "hell"`.
    private static func describe(_ head: [UInt8]) -> String {
        let shown = head.prefix(4)
        let hex = shown.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
        let text = String(shown.map { (32..<127).contains($0) ? Character(UnicodeScalar($0)) : "." })
        return hex.joined(separator: " ") + " \"\(text)\""
    }
}

/// How to decode.
public struct DecodeOptions: Sendable, Equatable {
    /// Images whose header claims more pixels than this are refused before any pixel memory is
    /// allocated (a decompression bomb, or a panorama that would not fit). 100 MP by default.
    public var maxPixels: Int = 100_000_000
    /// Keep 16-bit PNG samples as `UInt16` instead of rounding them to 8 bits.
    public var keep16Bit = false
    /// Turn the pixels upright according to the EXIF orientation (the default).
    public var applyOrientation = true

    public init(maxPixels: Int = 100_000_000, keep16Bit: Bool = false, applyOrientation: Bool = true) {
        self.maxPixels = maxPixels
        self.keep16Bit = keep16Bit
        self.applyOrientation = applyOrientation
    }

    public static let `default` = DecodeOptions()

    /// Throws `.tooLarge` when `width`×`height` is above the limit.
    func checkSize(width: Int, height: Int, format: ImageFormat) throws {
        if width <= 0 || height <= 0 {
            throw ImageCodecError(.corrupt, "\(format) header gives an empty size \(width)×\(height)")
        }
        let pixels = width.multipliedReportingOverflow(by: height)
        if pixels.overflow || pixels.partialValue > maxPixels {
            let megapixels = Double(width) * Double(height) / 1e6
            throw ImageCodecError(
                .tooLarge,
                "the \(format) header claims \(width)×\(height) pixels (\(formatMegapixels(megapixels)) MP), "
                    + "above the limit of \(formatMegapixels(Double(maxPixels) / 1e6)) MP; "
                    + "raise the pixel limit if this image is real"
            )
        }
    }
}

func formatMegapixels(_ value: Double) -> String {
    value >= 10 ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
}

/// What the file holds, as found in its header (before any conversion).
public struct ImageSourceInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// Stored size (before orientation).
    public var storedWidth: Int
    public var storedHeight: Int
    /// Bits per sample in the file: 8 or 12 for JPEG; 1, 2, 4, 8 or 16 for PNG.
    public var bitDepth: Int
    /// The file's colour model: "gray", "YCbCr", "RGB", "CMYK", "YCCK" (JPEG);
    /// "gray", "gray+alpha", "RGB", "RGBA", "palette" (PNG), with "+tRNS" when PNG transparency is set.
    public var colorModel: String
    /// Progressive JPEG or interlaced (Adam7) PNG.
    public var progressive: Bool
}

/// A decoded image with the metadata callers may want to carry into their outputs.
public struct DecodedImage: Sendable {
    /// The pixels, upright when `orientationApplied`.
    public var pixels: PixelBuffer
    public var source: ImageSourceInfo
    /// The EXIF orientation of the file (`.normal` when it has none).
    public var orientation: ImageOrientation
    /// True when `pixels` were turned upright (`DecodeOptions.applyOrientation`).
    public var orientationApplied: Bool
    /// The EXIF block; its orientation tag is reset to 1 when the pixels were turned upright, so
    /// writing it back does not rotate the picture twice.
    public var exif: ExifData?
    /// The embedded ICC colour profile (JPEG APP2 / PNG iCCP), unmodified.
    public var iccProfile: [UInt8]?
    /// Damage the decoder worked around; empty for a clean file.
    public var warnings: [ImageCodecWarning]
    /// Metadata the decoder could not use and dropped, the pixels being intact (a JPEG's ICC
    /// chunks that do not fit together: libjpeg's "bad ICC marker"). Not damage: say it and go on.
    public var notes: [String] = []

    public var format: ImageFormat { source.format }
    /// True when the decoder had to work around damage (see `warnings`).
    public var isDamaged: Bool { !warnings.isEmpty }
}

/// What a header says: enough to plan a crop before decoding.
public struct ImageInfo: Sendable, Equatable {
    public var source: ImageSourceInfo
    /// The orientation that decoding will apply (`.normal` when orientation is not applied).
    public var orientation: ImageOrientation

    /// Width of the decoded (upright) image.
    public var width: Int { orientation.swapsDimensions ? source.storedHeight : source.storedWidth }
    /// Height of the decoded (upright) image.
    public var height: Int { orientation.swapsDimensions ? source.storedWidth : source.storedHeight }
}
