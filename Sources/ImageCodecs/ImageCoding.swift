/// Decodes JPEG and PNG bytes, recognising the format from the content (not the file name).
public enum ImageDecoder {
    /// Decodes a whole image.
    ///
    /// - Throws: `ImageCodecError` (`.truncated`, `.corrupt`, `.unsupported`, `.tooLarge`);
    ///   the path is nil here: `decode(contentsOf:)` fills it in.
    /// - Returns: the pixels (upright unless `options.applyOrientation` is false) with metadata
    ///   and any damage warnings. A truncated JPEG decodes with a `.truncated` warning.
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .default) throws -> DecodedImage {
        try decode(bytes, options: options, region: nil)
    }

    /// Decodes only `region`, a rectangle of the displayed (upright) image; nil decodes it all.
    /// For JPEG the rows above the rectangle are skipped and the columns beside it are not
    /// colour-converted, so a 256² crop of a 12 MP photo decodes several times faster; the pixels
    /// equal the same rectangle cut from a full decode. Get the size first with `readInfo`.
    ///
    /// - Precondition: the rectangle lies inside the displayed image.
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .default, region: PixelRect?) throws
        -> DecodedImage
    {
        let format = try ImageFormat.detect(bytes)
        // Turns the displayed-image rectangle into the stored-image rectangle once the header
        // (and with it the EXIF orientation) has been read.
        let storedRegion: ((Int, Int, ExifData?) -> PixelRect?)? = region.map { rect in
            { storedWidth, storedHeight, exif in
                let orientation = options.applyOrientation ? (exif?.orientation ?? .normal) : .normal
                let (w, h) = orientation.swapsDimensions ? (storedHeight, storedWidth) : (storedWidth, storedHeight)
                precondition(rect.fits(width: w, height: h), "decode region \(rect) is outside the \(w)×\(h) image")
                return storedRect(
                    for: rect, orientation: orientation, storedWidth: storedWidth,
                    storedHeight: storedHeight)
            }
        }
        let result = try bytes.withUnsafeBytes { raw in
            switch format {
            case .jpeg:
                return try JPEGCodec.decode(raw, options: options, region: storedRegion)
            case .png:
                var decoded = try PNGCodec.decode(raw, options: options)
                if let storedRegion,
                    let rect = storedRegion(decoded.pixels.width, decoded.pixels.height, decoded.exif)
                {
                    decoded.pixels = decoded.pixels.cropped(to: rect)
                }
                return decoded
            }
        }
        let orientation = result.exif?.orientation ?? .normal
        var pixels = result.pixels
        var exif = result.exif
        if options.applyOrientation && orientation != .normal {
            pixels = pixels.oriented(orientation)
            exif = exif?.withNormalOrientation()
        }
        return DecodedImage(
            pixels: pixels, source: result.source, orientation: orientation,
            orientationApplied: options.applyOrientation && orientation != .normal, exif: exif,
            iccProfile: result.icc, warnings: result.warnings, notes: result.notes)
    }

    /// The format, size and orientation from the header alone (no pixels are decoded), to plan a
    /// region decode. A PNG's eXIf chunk placed after the image data is not seen here.
    public static func readInfo(_ bytes: [UInt8], options: DecodeOptions = .default) throws -> ImageInfo {
        let format = try ImageFormat.detect(bytes)
        let (source, exif) = try bytes.withUnsafeBytes { raw in
            switch format {
            case .jpeg: try JPEGCodec.readHeader(raw)
            case .png: try PNGCodec.readHeader(raw, options: options)
            }
        }
        try options.checkSize(width: source.storedWidth, height: source.storedHeight, format: format)
        let orientation = options.applyOrientation ? (exif?.orientation ?? .normal) : .normal
        return ImageInfo(source: source, orientation: orientation)
    }

    /// Reads and decodes a file; errors carry its path.
    public static func decode(contentsOf path: String, options: DecodeOptions = .default) throws -> DecodedImage {
        let bytes = try ImageFile.readBytes(path)
        do {
            return try decode(bytes, options: options)
        } catch let error as ImageCodecError {
            throw error.at(path)
        }
    }

    /// The stored-image rectangle that, turned by `orientation`, gives the displayed `rect`.
    static func storedRect(for rect: PixelRect, orientation: ImageOrientation, storedWidth: Int, storedHeight: Int)
        -> PixelRect
    {
        let map = orientation.gridMap(storedWidth: storedWidth, storedHeight: storedHeight)
        func stored(_ x: Int, _ y: Int) -> (Int, Int) {
            (map.originX + x * map.xFromX + y * map.xFromY, map.originY + x * map.yFromX + y * map.yFromY)
        }
        let (ax, ay) = stored(rect.x, rect.y)
        let (bx, by) = stored(rect.x + rect.width - 1, rect.y + rect.height - 1)
        return PixelRect(x: min(ax, bx), y: min(ay, by), width: abs(ax - bx) + 1, height: abs(ay - by) + 1)
    }
}

/// Encodes pixels as JPEG or PNG, with optional EXIF and ICC blocks to carry over from a source.
public enum ImageEncoder {
    /// - Parameters:
    ///   - pixels: any buffer. JPEG holds 8-bit gray or RGB only, so for JPEG an alpha channel is
    ///     dropped and 16-bit samples are rounded to 8 bits; PNG keeps everything.
    ///   - exif: written as a JPEG APP1 "Exif" marker or a PNG eXIf chunk. Pass the block of a
    ///     `DecodedImage`, whose orientation was reset to normal when its pixels were turned.
    ///   - iccProfile: written as JPEG APP2 "ICC_PROFILE" markers or a PNG iCCP chunk.
    ///
    /// Metadata the library refuses to write (libpng's "known incorrect sRGB profile") is left
    /// out; `encodeNoting` says so.
    public static func encode(
        _ pixels: PixelBuffer, as format: ImageFormat, jpeg: JPEGEncodeOptions = JPEGEncodeOptions(),
        png: PNGEncodeOptions = PNGEncodeOptions(), exif: ExifData? = nil, iccProfile: [UInt8]? = nil
    ) throws -> [UInt8] {
        try encodeNoting(pixels, as: format, jpeg: jpeg, png: png, exif: exif, iccProfile: iccProfile).bytes
    }

    /// `encode`, plus a note for each piece of metadata that was left out because the library
    /// refused it ("ICC profile not written (…)"); the pixels are always written.
    public static func encodeNoting(
        _ pixels: PixelBuffer, as format: ImageFormat, jpeg: JPEGEncodeOptions = JPEGEncodeOptions(),
        png: PNGEncodeOptions = PNGEncodeOptions(), exif: ExifData? = nil, iccProfile: [UInt8]? = nil
    ) throws -> (bytes: [UInt8], notes: [String]) {
        switch format {
        case .jpeg:
            var prepared = pixels.convertedTo8Bit()
            if prepared.hasAlpha { prepared = prepared.droppingAlpha() }
            return (try JPEGCodec.encode(prepared, options: jpeg, exif: exif, iccProfile: iccProfile), [])
        case .png:
            return try PNGCodec.encode(pixels, options: png, exif: exif, iccProfile: iccProfile)
        }
    }

    /// Encodes and writes atomically (temporary file, then rename); the format follows the
    /// extension (`.png`, else JPEG).
    public static func write(
        _ pixels: PixelBuffer, to path: String, jpeg: JPEGEncodeOptions = JPEGEncodeOptions(),
        png: PNGEncodeOptions = PNGEncodeOptions(), exif: ExifData? = nil, iccProfile: [UInt8]? = nil
    ) throws {
        let format: ImageFormat = path.lowercased().hasSuffix(".png") ? .png : .jpeg
        do {
            let bytes = try encode(pixels, as: format, jpeg: jpeg, png: png, exif: exif, iccProfile: iccProfile)
            try ImageFile.writeAtomically(bytes, to: path)
        } catch let error as ImageCodecError {
            throw error.at(path)
        }
    }

    /// Encodes CMYK samples (4 channels, Adobe-inverted) as a CMYK or YCCK JPEG; for making
    /// test files of the kinds Photoshop writes.
    package static func encodeCMYKJPEG(_ cmyk: PixelBuffer, ycck: Bool, quality: Int = 95) throws -> [UInt8] {
        precondition(cmyk.channels == 4 && cmyk.sampleType == .uint8, "encodeCMYKJPEG: needs 8-bit, 4 channels")
        return try JPEGCodec.encode(
            cmyk, options: JPEGEncodeOptions(quality: quality), exif: nil, iccProfile: nil,
            cmykAsYCCK: ycck)
    }
}

/// The versions of the C libraries in use, for diagnostics.
public enum ImageCodecLibraries {
    public static var jpeg: String { JPEGCodec.libraryVersion }
    public static var png: String { PNGCodec.libraryVersion }
}
