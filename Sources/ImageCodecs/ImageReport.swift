/// A one-line description of an image file, as `translate inspect` prints it.
public struct ImageReport: Sendable {
    public var path: String
    /// The decoded image, or nil when the file could not be decoded.
    public var image: DecodedImage?
    /// Why the file could not be decoded.
    public var error: ImageCodecError?

    /// True when the file decoded cleanly (no error, no damage warning).
    public var isHealthy: Bool { image.map { !$0.isDamaged } ?? false }

    /// Decodes `path` fully (so truncation and corruption are noticed, not just the header).
    public static func inspect(_ path: String, options: DecodeOptions = DecodeOptions(keep16Bit: true)) -> ImageReport {
        do {
            return ImageReport(
                path: path, image: try ImageDecoder.decode(contentsOf: path, options: options), error: nil)
        } catch let error as ImageCodecError {
            return ImageReport(path: path, image: nil, error: error)
        } catch {
            return ImageReport(path: path, image: nil, error: ImageCodecError(.io, "\(error)", path: path))
        }
    }

    /// `photo.jpg: JPEG 3024×4032, 3 channels (YCbCr), 8-bit, orientation 6 (rotate 90° clockwise),
    /// EXIF yes, ICC no` on one line, or `photo.jpg: error: <reason>`; a damaged file adds
    /// `; damaged: <warning>`.
    public var line: String {
        guard let image else { return "\(path): error: \(error?.message ?? "unknown failure")" }
        let source = image.source
        let upright = image.orientationApplied || image.orientation == .normal
        let (width, height) =
            upright
            ? (image.pixels.width, image.pixels.height)
            : (image.orientation.swapsDimensions
                ? (image.pixels.height, image.pixels.width) : (image.pixels.width, image.pixels.height))
        var parts = [
            "\(source.format) \(width)×\(height)",
            "\(image.pixels.channels) channel\(image.pixels.channels == 1 ? "" : "s") (\(source.colorModel))",
            "\(source.bitDepth)-bit",
            "orientation \(image.orientation)",
            "EXIF \(image.exif == nil ? "no" : "yes")",
            "ICC \(image.iccProfile == nil ? "no" : "yes")",
        ]
        if source.progressive { parts.append(source.format == .jpeg ? "progressive" : "interlaced") }
        var text = "\(path): " + parts.joined(separator: ", ")
        if let warning = image.warnings.first { text += "; damaged: \(warning.message)" }
        for note in image.notes { text += "; note: \(note)" }
        return text
    }
}
