import CodecShims

/// A rectangle of pixels: columns `x..<x+width`, rows `y..<y+height`.
public struct PixelRect: Sendable, Equatable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var description: String { "\(width)×\(height) at (\(x), \(y))" }

    /// True when the rectangle is non-empty and lies inside a `width`×`height` image.
    public func fits(width imageWidth: Int, height imageHeight: Int) -> Bool {
        width > 0 && height > 0 && x >= 0 && y >= 0 && x + width <= imageWidth && y + height <= imageHeight
    }
}

/// JPEG through libjpeg-turbo, via the setjmp-guarded shims: the one file where libjpeg's
/// status codes become thrown errors.
enum JPEGCodec {
    /// Header fields needed before choosing how to decode.
    struct Header {
        var width: Int, height: Int
        var components: Int
        var colorSpace: Int32
        var source: ImageSourceInfo
    }

    /// Decodes `data`. `region`, given the stored size, may name a stored-coordinate rectangle
    /// to decode instead of the whole image (rows above it are skipped, columns beside it are
    /// not colour-converted).
    static func decode(
        _ data: UnsafeRawBufferPointer, options: DecodeOptions, region: ((Int, Int, ExifData?) -> PixelRect?)? = nil
    ) throws -> (
        pixels: PixelBuffer, source: ImageSourceInfo, exif: ExifData?, icc: [UInt8]?,
        warnings: [ImageCodecWarning], notes: [String]
    ) {
        guard let decoder = cs_jpeg_decoder_create() else {
            throw ImageCodecError(.io, "out of memory creating a JPEG decoder")
        }
        defer { cs_jpeg_decoder_destroy(decoder) }
        let bytes = data.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ImageCodecError(.truncated, "the file is empty (0 bytes)")
        }

        var header = CSJPEGHeader()
        let headerStatus = cs_jpeg_read_header(decoder, base, bytes.count, &header)
        if headerStatus != Int32(CS_OK) { throw error(headerStatus, decoder: decoder, stage: "header") }
        let colorModel = colorModelName(header.colorSpace)
        let source = ImageSourceInfo(
            format: .jpeg, storedWidth: Int(header.width), storedHeight: Int(header.height),
            bitDepth: Int(header.precision), colorModel: colorModel,
            progressive: header.progressive != 0)
        try options.checkSize(width: source.storedWidth, height: source.storedHeight, format: .jpeg)

        var exifLength = 0
        var exif: ExifData?
        if let exifPointer = cs_jpeg_exif(decoder, &exifLength), exifLength > 0 {
            exif = ExifData(bytes: Array(UnsafeBufferPointer(start: exifPointer, count: exifLength)))
        }
        var iccLength = 0
        var icc: [UInt8]?
        if let iccPointer = cs_jpeg_icc(decoder, &iccLength) {
            icc = Array(UnsafeBufferPointer(start: iccPointer, count: iccLength))
            cs_free(iccPointer)
        }

        let isFourComponent = header.colorSpace == Int32(CS_JPEG_CMYK) || header.colorSpace == Int32(CS_JPEG_YCCK)
        let outComponents: Int
        switch header.colorSpace {
        case Int32(CS_JPEG_GRAY): outComponents = 1
        case Int32(CS_JPEG_CMYK), Int32(CS_JPEG_YCCK): outComponents = 4
        case Int32(CS_JPEG_RGB), Int32(CS_JPEG_YCBCR): outComponents = 3
        default:
            throw ImageCodecError(
                .unsupported,
                "JPEG with \(header.components) components in an unknown colour "
                    + "space is not supported")
        }

        let wanted = region?(source.storedWidth, source.storedHeight, exif)
        if let wanted {
            precondition(
                wanted.fits(width: source.storedWidth, height: source.storedHeight),
                "JPEG region \(wanted) outside \(source.storedWidth)×\(source.storedHeight)")
        }
        let width = wanted?.width ?? source.storedWidth
        let height = wanted?.height ?? source.storedHeight
        let rowStride = width * outComponents
        // Rows libjpeg never delivers stay mid-gray, as libjpeg itself pads a truncated scan.
        var samples = [UInt8](repeating: 128, count: rowStride * height)
        var rowsDone: UInt32 = 0
        let status = samples.withUnsafeMutableBufferPointer { buffer -> Int32 in
            if let wanted {
                return cs_jpeg_decompress_region(
                    decoder, Int32(outComponents), UInt32(wanted.x), UInt32(wanted.y),
                    UInt32(wanted.width), UInt32(wanted.height), buffer.baseAddress,
                    rowStride, &rowsDone)
            }
            return cs_jpeg_decompress(decoder, Int32(outComponents), buffer.baseAddress, rowStride, &rowsDone)
        }

        var warnings: [ImageCodecWarning] = []
        if status != Int32(CS_OK) {
            let failure = error(status, decoder: decoder, stage: "data")
            // A scan that broke off part-way still gives the rows above the damage.
            guard rowsDone > 0, failure.code == .corrupt || failure.code == .truncated else { throw failure }
            warnings.append(
                ImageCodecWarning(
                    failure.code,
                    "decoding stopped at row \(rowsDone) of \(height) "
                        + "(\(failure.message)); the rest is filled with gray"))
        }
        let warningCount = Int(cs_jpeg_warning_count(decoder))
        if warningCount > 0 {
            let first = String(cString: cs_jpeg_first_warning(decoder))
            if cs_jpeg_hit_end_of_data(decoder) != 0 {
                warnings.append(
                    ImageCodecWarning(
                        .truncated,
                        "the file ends before the image data is complete "
                            + "(truncated download?); the missing part is filled with gray"))
            } else {
                let more = warningCount > 1 ? " and \(warningCount - 1) more" : ""
                warnings.append(ImageCodecWarning(.corrupt, "damaged JPEG data: \(first)\(more)"))
            }
        }

        // Every 4-component JPEG is taken as Adobe-inverted CMYK, as Pillow does: Photoshop writes
        // it so, and libjpeg itself adds the Adobe marker to every CMYK file it writes.
        let pixels: PixelBuffer
        if isFourComponent {
            pixels = PixelBuffer(
                width: width, height: height, channels: 3, bytes: ColorConversion.invertedCMYKToRGB(samples))
        } else {
            pixels = PixelBuffer(width: width, height: height, channels: outComponents, bytes: samples)
        }
        return (pixels, source, exif, icc, warnings, metadataNotes(decoder))
    }

    /// Metadata libjpeg could not use and skipped (the pixels are intact): a note per kind.
    private static func metadataNotes(_ decoder: OpaquePointer) -> [String] {
        let count = Int(cs_jpeg_metadata_warning_count(decoder))
        guard count > 0 else { return [] }
        var first = String(cString: cs_jpeg_first_metadata_warning(decoder))
        // libjpeg words it "Corrupt JPEG data: bad ICC marker"; the data that matter are fine.
        if first.hasPrefix("Corrupt JPEG data: ") { first.removeFirst("Corrupt JPEG data: ".count) }
        let more = count > 1 ? " (and \(count - 1) more)" : ""
        if first.contains("ICC") {
            return ["unusable ICC profile (\(first)\(more)): the profile was dropped, the pixels are intact"]
        }
        return ["metadata ignored (\(first)\(more)); the pixels are intact"]
    }

    /// The header fields and EXIF block, without decoding pixels.
    static func readHeader(_ data: UnsafeRawBufferPointer) throws -> (ImageSourceInfo, ExifData?) {
        guard let decoder = cs_jpeg_decoder_create() else {
            throw ImageCodecError(.io, "out of memory creating a JPEG decoder")
        }
        defer { cs_jpeg_decoder_destroy(decoder) }
        let bytes = data.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ImageCodecError(.truncated, "the file is empty (0 bytes)")
        }
        var header = CSJPEGHeader()
        let status = cs_jpeg_read_header(decoder, base, bytes.count, &header)
        if status != Int32(CS_OK) { throw error(status, decoder: decoder, stage: "header") }
        var exifLength = 0
        var exif: ExifData?
        if let exifPointer = cs_jpeg_exif(decoder, &exifLength), exifLength > 0 {
            exif = ExifData(bytes: Array(UnsafeBufferPointer(start: exifPointer, count: exifLength)))
        }
        let source = ImageSourceInfo(
            format: .jpeg, storedWidth: Int(header.width), storedHeight: Int(header.height),
            bitDepth: Int(header.precision), colorModel: colorModelName(header.colorSpace),
            progressive: header.progressive != 0)
        return (source, exif)
    }

    /// Encodes 8-bit gray or RGB pixels (other layouts are converted first by `ImageEncoder`).
    static func encode(
        _ pixels: PixelBuffer, options: JPEGEncodeOptions, exif: ExifData?, iccProfile: [UInt8]?,
        cmykAsYCCK: Bool = false
    ) throws -> [UInt8] {
        precondition(
            pixels.sampleType == .uint8 && [1, 3, 4].contains(pixels.channels),
            "JPEGCodec.encode: expects 8-bit gray, RGB or CMYK, got \(pixels.channels) channels")
        precondition((1...100).contains(options.quality), "JPEG quality \(options.quality) is outside 1...100")
        var shimOptions = CSJPEGEncodeOptions(
            quality: Int32(options.quality), subsampling: Int32(options.chromaSubsampling.rawValue),
            progressive: options.progressive ? 1 : 0, optimizeCoding: options.optimizeCoding ? 1 : 0,
            ycck: cmykAsYCCK ? 1 : 0)
        var output: UnsafeMutablePointer<UInt8>?
        var outputLength = 0
        var message = [CChar](repeating: 0, count: 256)
        let exifBytes = exif?.bytes ?? []
        let iccBytes = iccProfile ?? []
        let status = pixels.bytes.withUnsafeBufferPointer { samples in
            exifBytes.withUnsafeBufferPointer { exifBuffer in
                iccBytes.withUnsafeBufferPointer { iccBuffer in
                    cs_jpeg_encode(
                        samples.baseAddress, pixels.width * pixels.channels, UInt32(pixels.width),
                        UInt32(pixels.height), Int32(pixels.channels), &shimOptions,
                        exifBuffer.baseAddress, exifBytes.count, iccBuffer.baseAddress, iccBytes.count,
                        &output, &outputLength, &message)
                }
            }
        }
        guard status == Int32(CS_OK), let output else {
            let text = String(cString: message)
            throw ImageCodecError(status == Int32(CS_ERR_USAGE) ? .unsupported : .io, "JPEG encoding failed: \(text)")
        }
        defer { cs_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputLength))
    }

    // MARK: - Errors

    private static func error(_ status: Int32, decoder: OpaquePointer, stage: String) -> ImageCodecError {
        let message = String(cString: cs_jpeg_error_message(decoder))
        switch status {
        case Int32(CS_ERR_TRUNCATED):
            return ImageCodecError(.truncated, "the JPEG ends early (truncated download?): \(message)")
        case Int32(CS_ERR_UNSUPPORTED):
            if message.contains("precision") {
                return ImageCodecError(
                    .unsupported,
                    "JPEG with 12-bit (or other non-8-bit) samples is not supported "
                        + "(libjpeg said: \(message)); convert it to an 8-bit JPEG or PNG")
            }
            return ImageCodecError(.unsupported, "this JPEG uses a feature libjpeg-turbo cannot decode: \(message)")
        case Int32(CS_ERR_MEMORY):
            return ImageCodecError(.io, "out of memory while decoding the JPEG: \(message)")
        case Int32(CS_ERR_USAGE):
            return ImageCodecError(.unsupported, "unsupported JPEG layout (\(stage))")
        default:
            return ImageCodecError(.corrupt, "corrupt JPEG \(stage): \(message)")
        }
    }

    private static func colorModelName(_ space: Int32) -> String {
        switch space {
        case Int32(CS_JPEG_GRAY): "gray"
        case Int32(CS_JPEG_RGB): "RGB"
        case Int32(CS_JPEG_YCBCR): "YCbCr"
        case Int32(CS_JPEG_CMYK): "CMYK"
        case Int32(CS_JPEG_YCCK): "YCCK"
        default: "unknown"
        }
    }

    /// "libjpeg-turbo 2.1.5 (libjpeg API 62)".
    static var libraryVersion: String { String(cString: cs_jpeg_library_version()) }
}

/// JPEG encoder settings.
public struct JPEGEncodeOptions: Sendable, Equatable {
    /// Chroma subsampling of colour images.
    public enum ChromaSubsampling: Int, Sendable {
        case none = 444, horizontal = 422, both = 420
    }

    /// 1...100; 90 by default.
    public var quality: Int = 90
    public var chromaSubsampling: ChromaSubsampling = .both
    public var progressive = false
    /// Optimized Huffman tables: a few percent smaller, a little slower.
    public var optimizeCoding = false

    public init(
        quality: Int = 90, chromaSubsampling: ChromaSubsampling = .both, progressive: Bool = false,
        optimizeCoding: Bool = false
    ) {
        self.quality = quality
        self.chromaSubsampling = chromaSubsampling
        self.progressive = progressive
        self.optimizeCoding = optimizeCoding
    }
}
