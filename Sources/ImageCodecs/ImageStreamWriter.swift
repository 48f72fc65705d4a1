#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
import CodecShims

/// Writes a JPEG or PNG file a band of rows at a time, so an image far larger than memory can be
/// saved: libpng's `png_write_row` and libjpeg's `jpeg_write_scanlines` behind the setjmp-guarded
/// shims, straight into a temporary file beside the target that `finish()` flushes to disk and
/// renames over it (as `ImageFile.writeAtomically`). The bytes equal those of `ImageEncoder.encode`
/// on the whole image (same options, same metadata). Dropped before `finish()`, the temporary file
/// is removed and the target left alone.
public final class ImageStreamWriter {
    public let path: String
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    /// Channels of the rows given to `write` (JPEG drops alpha and rounds 16-bit to 8-bit, as `ImageEncoder`).
    public let channels: Int
    public let sampleType: PixelBuffer.SampleType
    /// Metadata the library refused and that was left out ("ICC profile not written (…)").
    public private(set) var notes: [String] = []
    /// Rows written so far.
    public private(set) var rowsWritten = 0

    private let temporary: String
    private var descriptor: Int32
    private var png: OpaquePointer?
    private var jpeg: OpaquePointer?
    private var finished = false

    /// Creates the temporary file and writes the header (and metadata).
    /// - Throws: `ImageCodecError(.io)` naming `path` when the file cannot be created or written.
    public init(path: String, format: ImageFormat, width: Int, height: Int, channels: Int,
                sampleType: PixelBuffer.SampleType, jpeg jpegOptions: JPEGEncodeOptions = JPEGEncodeOptions(),
                png pngOptions: PNGEncodeOptions = PNGEncodeOptions(), exif: ExifData? = nil,
                iccProfile: [UInt8]? = nil) throws {
        precondition(width > 0 && height > 0 && (1...4).contains(channels),
                     "ImageStreamWriter: \(width)×\(height)×\(channels) is not an image")
        self.path = path
        self.format = format
        self.width = width
        self.height = height
        self.channels = channels
        self.sampleType = sampleType
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            throw ImageCodecError(.io, "cannot create a file in \(directory.isEmpty ? "/" : directory): "
                                  + Self.lastError(), path: path)
        }
        do {
            switch format {
            case .png: try beginPNG(pngOptions, exif: exif, icc: iccProfile)
            case .jpeg: try beginJPEG(jpegOptions, exif: exif, icc: iccProfile)
            }
        } catch {
            discard()
            throw error
        }
    }

    deinit { if !finished { discard() } }

    private func beginPNG(_ options: PNGEncodeOptions, exif: ExifData?, icc: [UInt8]?) throws {
        precondition((0...9).contains(options.compressionLevel),
                     "PNG compression level \(options.compressionLevel) is outside 0...9")
        func begin(_ icc: [UInt8]) -> (OpaquePointer?, String) {
            var status: Int32 = 0
            var message = [CChar](repeating: 0, count: 256)
            let exifBytes = exif?.bytes ?? []
            let stream = exifBytes.withUnsafeBufferPointer { exifBuffer in
                icc.withUnsafeBufferPointer { iccBuffer in
                    cs_png_stream_begin(descriptor, UInt32(width), UInt32(height), Int32(channels),
                                        Int32(sampleType.bitDepth), Int32(options.compressionLevel),
                                        exifBuffer.baseAddress, exifBytes.count, iccBuffer.baseAddress, icc.count,
                                        &status, &message)
                }
            }
            return (stream, String(cString: message))
        }
        let (stream, message) = begin(icc ?? [])
        if let stream {
            png = stream
            return
        }
        // libpng checks a profile only when writing it (as `PNGCodec.encode`): once more without it.
        guard icc?.isEmpty == false, ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
            throw ImageCodecError(.io, "PNG encoding failed: \(message)", path: path)
        }
        let (plain, _) = begin([])
        guard let plain else { throw ImageCodecError(.io, "PNG encoding failed: \(message)", path: path) }
        png = plain
        notes.append("ICC profile not written (libpng refused it: \(message)); the image was written without it")
    }

    private func beginJPEG(_ options: JPEGEncodeOptions, exif: ExifData?, icc: [UInt8]?) throws {
        precondition((1...100).contains(options.quality), "JPEG quality \(options.quality) is outside 1...100")
        var shimOptions = CSJPEGEncodeOptions(
            quality: Int32(options.quality), subsampling: Int32(options.chromaSubsampling.rawValue),
            progressive: options.progressive ? 1 : 0, optimizeCoding: options.optimizeCoding ? 1 : 0, ycck: 0)
        var status: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let exifBytes = exif?.bytes ?? []
        let iccBytes = icc ?? []
        let layout = channels >= 3 ? 3 : 1  // alpha dropped
        let stream = exifBytes.withUnsafeBufferPointer { exifBuffer in
            iccBytes.withUnsafeBufferPointer { iccBuffer in
                cs_jpeg_stream_begin(descriptor, UInt32(width), UInt32(height), Int32(layout), &shimOptions,
                                     exifBuffer.baseAddress, exifBytes.count, iccBuffer.baseAddress, iccBytes.count,
                                     &status, &message)
            }
        }
        guard let stream else {
            let code: ImageCodecError.Code = status == Int32(CS_ERR_USAGE) ? .unsupported : .io
            throw ImageCodecError(code, "JPEG encoding failed: \(String(cString: message))", path: path)
        }
        jpeg = stream
    }

    /// Appends `rows` (this writer's width, channels and sample type) below the rows written so far.
    /// - Throws: `ImageCodecError(.io)` when the file cannot be written (disk full).
    public func write(_ rows: PixelBuffer) throws {
        precondition(!finished, "ImageStreamWriter.write after finish")
        precondition(rows.width == width && rows.channels == channels && rows.sampleType == sampleType
                     && rowsWritten + rows.height <= height,
                     "ImageStreamWriter: \(rows.width)×\(rows.height)×\(rows.channels) rows for a "
                        + "\(width)×\(height)×\(channels) image with \(rowsWritten) rows written")
        guard rows.height > 0 else { return }
        var status: Int32
        if let png {
            func run(_ raw: UnsafeRawBufferPointer) -> Int32 {
                cs_png_stream_write_rows(png, raw.bindMemory(to: UInt8.self).baseAddress,
                                         width * channels * sampleType.bitDepth / 8, UInt32(rows.height))
            }
            switch rows.samples {
            case .uint8(let values): status = values.withUnsafeBytes(run)
            case .uint16(let values): status = values.withUnsafeBytes(run)
            }
            if status != Int32(CS_OK) {
                throw ImageCodecError(.io, "PNG encoding failed: \(String(cString: cs_png_stream_message(png)))",
                                      path: path)
            }
        } else if let jpeg {
            var prepared = rows.convertedTo8Bit()
            if prepared.hasAlpha { prepared = prepared.droppingAlpha() }
            status = prepared.bytes.withUnsafeBufferPointer { samples in
                cs_jpeg_stream_write_rows(jpeg, samples.baseAddress, prepared.width * prepared.channels,
                                          UInt32(prepared.height))
            }
            if status != Int32(CS_OK) {
                throw ImageCodecError(.io, "JPEG encoding failed: \(String(cString: cs_jpeg_stream_message(jpeg)))",
                                      path: path)
            }
        }
        rowsWritten += rows.height
    }

    /// Ends the file, flushes it to disk and renames it over `path`.
    /// - Precondition: every row has been written.
    public func finish() throws {
        precondition(!finished && rowsWritten == height,
                     "ImageStreamWriter.finish after \(rowsWritten) of \(height) rows")
        var failure: String?
        if let png, cs_png_stream_finish(png) != Int32(CS_OK) {
            failure = "PNG encoding failed: \(String(cString: cs_png_stream_message(png)))"
        } else if let jpeg, cs_jpeg_stream_finish(jpeg) != Int32(CS_OK) {
            failure = "JPEG encoding failed: \(String(cString: cs_jpeg_stream_message(jpeg)))"
        }
        if failure == nil, fsync(descriptor) != 0 { failure = "fsync failed: \(Self.lastError())" }
        if failure == nil {
            closeEncoder()
            close(descriptor)
            descriptor = -1
            if rename(temporary, path) != 0 { failure = "cannot move the file into place: \(Self.lastError())" }
        }
        if let failure {
            discard()
            throw ImageCodecError(.io, failure, path: path)
        }
        finished = true
    }

    private func closeEncoder() {
        if let png { cs_png_stream_destroy(png) }
        if let jpeg { cs_jpeg_stream_destroy(jpeg) }
        png = nil
        jpeg = nil
    }

    /// Drops the encoder and the temporary file.
    private func discard() {
        closeEncoder()
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporary)
        finished = true
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
