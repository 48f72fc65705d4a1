import CodecShims

/// PNG through libpng's full API, via the setjmp-guarded shims: the one file where libpng's
/// status codes become thrown errors.
enum PNGCodec {
    static func decode(_ data: UnsafeRawBufferPointer, options: DecodeOptions) throws
        -> (pixels: PixelBuffer, source: ImageSourceInfo, exif: ExifData?, icc: [UInt8]?, warnings: [ImageCodecWarning],
            notes: [String])
    {
        let bytes = data.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ImageCodecError(.truncated, "the file is empty (0 bytes)")
        }
        guard let decoder = cs_png_decoder_create(base, bytes.count) else {
            throw ImageCodecError(.io, "out of memory creating a PNG decoder")
        }
        defer { cs_png_decoder_destroy(decoder) }

        var header = CSPNGHeader()
        let headerStatus = cs_png_read_header(decoder, options.keep16Bit ? 1 : 0, &header)
        if headerStatus != Int32(CS_OK) { throw error(headerStatus, decoder: decoder) }
        let source = sourceInfo(header)
        try options.checkSize(width: source.storedWidth, height: source.storedHeight, format: .png)

        let width = source.storedWidth, height = source.storedHeight
        let channels = Int(header.outChannels)
        guard (1...4).contains(channels), header.outBitDepth == 8 || header.outBitDepth == 16 else {
            throw ImageCodecError(.unsupported, "PNG expands to \(channels) channels of \(header.outBitDepth) bits")
        }
        let sixteen = header.outBitDepth == 16
        let rowBytes = width * channels * (sixteen ? 2 : 1)
        guard header.outRowBytes == rowBytes else {
            throw ImageCodecError(.corrupt, "PNG row size \(header.outRowBytes) does not match \(width)×\(channels)")
        }

        let pixels: PixelBuffer
        if sixteen {
            var words = [UInt16](repeating: 0, count: width * height * channels)
            let status = words.withUnsafeMutableBytes { raw in
                cs_png_decompress(decoder, raw.bindMemory(to: UInt8.self).baseAddress, rowBytes)
            }
            if status != Int32(CS_OK) { throw error(status, decoder: decoder) }
            pixels = PixelBuffer(width: width, height: height, channels: channels, words: words)
        } else {
            var samples = [UInt8](repeating: 0, count: width * height * channels)
            let status = samples.withUnsafeMutableBufferPointer { buffer in
                cs_png_decompress(decoder, buffer.baseAddress, rowBytes)
            }
            if status != Int32(CS_OK) { throw error(status, decoder: decoder) }
            pixels = PixelBuffer(width: width, height: height, channels: channels, bytes: samples)
        }

        var exifLength = 0
        var exif: ExifData?
        if let pointer = cs_png_exif(decoder, &exifLength), exifLength > 0 {
            exif = ExifData(bytes: Array(UnsafeBufferPointer(start: pointer, count: exifLength)))
        }
        var iccLength = 0
        var icc: [UInt8]?
        if let pointer = cs_png_icc(decoder, &iccLength), iccLength > 0 {
            icc = Array(UnsafeBufferPointer(start: pointer, count: iccLength))
        }
        // libpng warnings (a bad ancillary chunk dropped, an odd sRGB profile) leave the pixels
        // intact, so they are not damage.
        return (pixels, source, exif, icc, [], [])
    }

    /// The header fields and an eXIf block placed before the image data, without decoding pixels.
    static func readHeader(_ data: UnsafeRawBufferPointer, options: DecodeOptions) throws -> (
        ImageSourceInfo, ExifData?
    ) {
        let bytes = data.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ImageCodecError(.truncated, "the file is empty (0 bytes)")
        }
        guard let decoder = cs_png_decoder_create(base, bytes.count) else {
            throw ImageCodecError(.io, "out of memory creating a PNG decoder")
        }
        defer { cs_png_decoder_destroy(decoder) }
        var header = CSPNGHeader()
        let status = cs_png_read_header(decoder, options.keep16Bit ? 1 : 0, &header)
        if status != Int32(CS_OK) { throw error(status, decoder: decoder) }
        var exifLength = 0
        var exif: ExifData?
        if let pointer = cs_png_exif(decoder, &exifLength), exifLength > 0 {
            exif = ExifData(bytes: Array(UnsafeBufferPointer(start: pointer, count: exifLength)))
        }
        return (sourceInfo(header), exif)
    }

    private static func sourceInfo(_ header: CSPNGHeader) -> ImageSourceInfo {
        var colorModel: String
        switch header.colorType {
        case 0: colorModel = "gray"
        case 2: colorModel = "RGB"
        case 3: colorModel = "palette"
        case 4: colorModel = "gray+alpha"
        case 6: colorModel = "RGBA"
        default: colorModel = "unknown"
        }
        if header.hasTransparency != 0 { colorModel += "+tRNS" }
        return ImageSourceInfo(
            format: .png, storedWidth: Int(header.width), storedHeight: Int(header.height),
            bitDepth: Int(header.bitDepth), colorModel: colorModel, progressive: header.interlaced != 0)
    }

    /// The PNG bytes, and a note when libpng refused `iccProfile` (a "known incorrect sRGB
    /// profile", which many old files carry) and the image was written without it.
    static func encode(_ pixels: PixelBuffer, options: PNGEncodeOptions, exif: ExifData?, iccProfile: [UInt8]?)
        throws -> (bytes: [UInt8], notes: [String])
    {
        do {
            return (try encodeOnce(pixels, options: options, exif: exif, iccProfile: iccProfile), [])
        } catch let refusal as ImageCodecError where iccProfile?.isEmpty == false {
            // libpng checks the profile only when writing it: try once more without. If that
            // works the profile was the problem; otherwise the first error stands.
            guard let bytes = try? encodeOnce(pixels, options: options, exif: exif, iccProfile: nil) else {
                throw refusal
            }
            let prefix = "PNG encoding failed: "
            let reason =
                refusal.message.hasPrefix(prefix) ? String(refusal.message.dropFirst(prefix.count)) : refusal.message
            return (bytes, ["ICC profile not written (libpng refused it: \(reason)); the image was written without it"])
        }
    }

    private static func encodeOnce(_ pixels: PixelBuffer, options: PNGEncodeOptions, exif: ExifData?,
                                   iccProfile: [UInt8]?) throws -> [UInt8]
    {
        precondition(
            (0...9).contains(options.compressionLevel),
            "PNG compression level \(options.compressionLevel) is outside 0...9")
        var output: UnsafeMutablePointer<UInt8>?
        var outputLength = 0
        var message = [CChar](repeating: 0, count: 256)
        let exifBytes = exif?.bytes ?? []
        let iccBytes = iccProfile ?? []
        let bytesPerSample = pixels.bitDepth / 8
        func run(_ samples: UnsafeRawBufferPointer) -> Int32 {
            exifBytes.withUnsafeBufferPointer { exifBuffer in
                iccBytes.withUnsafeBufferPointer { iccBuffer in
                    cs_png_encode(
                        samples.bindMemory(to: UInt8.self).baseAddress,
                        pixels.width * pixels.channels * bytesPerSample, UInt32(pixels.width),
                        UInt32(pixels.height), Int32(pixels.channels), Int32(pixels.bitDepth),
                        Int32(options.compressionLevel), exifBuffer.baseAddress, exifBytes.count,
                        iccBuffer.baseAddress, iccBytes.count, &output, &outputLength, &message)
                }
            }
        }
        let status: Int32
        switch pixels.samples {
        case .uint8(let values): status = values.withUnsafeBytes(run)
        case .uint16(let values): status = values.withUnsafeBytes(run)
        }
        guard status == Int32(CS_OK), let output else {
            throw ImageCodecError(.io, "PNG encoding failed: \(String(cString: message))")
        }
        defer { cs_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: outputLength))
    }

    private static func error(_ status: Int32, decoder: OpaquePointer) -> ImageCodecError {
        let message = String(cString: cs_png_error_message(decoder))
        switch status {
        case Int32(CS_ERR_TRUNCATED):
            return ImageCodecError(.truncated, "the PNG ends before the image data is complete (truncated download?)")
        case Int32(CS_ERR_MEMORY):
            return ImageCodecError(.io, "out of memory while decoding the PNG: \(message)")
        default:
            if message.contains("CRC") {
                return ImageCodecError(
                    .corrupt, "corrupt PNG: checksum (CRC) mismatch (\(message)); the file is damaged")
            }
            return ImageCodecError(.corrupt, "corrupt PNG: \(message)")
        }
    }

    /// "libpng 1.6.39".
    static var libraryVersion: String { String(cString: cs_png_library_version()) }
}

/// PNG encoder settings.
public struct PNGEncodeOptions: Sendable, Equatable {
    /// zlib level 0...9; 6 by default. Level 1 is several times faster and ~30% larger.
    public var compressionLevel = 6

    public init(compressionLevel: Int = 6) { self.compressionLevel = compressionLevel }
}
