import ImageCodecs
import Tensors

/// Lists and decodes a dataset's files with its options: the common part of every layout.
struct ImageReader: Sendable {
    let options: DatasetOptions
    let diagnostics: DatasetDiagnostics

    /// The usable image files of `directory`: scanned (see `ImageFolder`), each checked to start
    /// like a JPEG or PNG (empty files and text named .jpg are skipped with a warning), and cut to
    /// `maxDatasetSize`.
    /// - Throws: `.missingFolder`, or `.noUsableImages` when nothing is left.
    func listImages(in directory: String, role: String) throws -> [String] {
        let listing = try ImageFolder.scan(directory)
        for skip in listing.skipped { diagnostics.skip(skip.path, reason: skip.reason) }
        var files: [String] = []
        for path in listing.files {
            if let limit = options.maxDatasetSize, files.count >= limit { break }
            do {
                _ = try ImageFormat.detect(try ImageFile.readPrefix(path))
                files.append(path)
            } catch {
                diagnostics.skip(error, fallbackPath: path)
            }
        }
        if files.isEmpty {
            let found =
                listing.files.isEmpty
                ? "no .jpg, .jpeg or .png files" : "no readable image among \(listing.files.count) candidate files"
            throw ImageDatasetError(.noUsableImages, "\(role): \(found) in this folder or below it", path: directory)
        }
        return files
    }

    /// Decodes `path` to 8-bit pixels with `channels` (1 gray or 3 RGB; alpha is dropped, as
    /// `convert('RGB')`), or only `region` of the upright image.
    /// - Throws: the file's `ImageCodecError`, or `ImageDatasetError(.damagedImage)` when the decoder
    ///   had to work around damage (a skipped file unless strict).
    func decode(_ path: String, channels: Int, region: PixelRect? = nil) throws -> PixelBuffer {
        try decode(path, bytes: try ImageFile.readBytes(path), channels: channels, region: region)
    }

    func decode(_ path: String, bytes: [UInt8], channels: Int, region: PixelRect? = nil) throws -> PixelBuffer {
        let image: DecodedImage
        do {
            image = try ImageDecoder.decode(bytes, options: options.decodeOptions, region: region)
        } catch let error as ImageCodecError {
            throw error.at(path)
        }
        if let warning = image.warnings.first {
            throw ImageDatasetError(.damagedImage, "damaged image (\(warning.message))", path: path)
        }
        return Self.converted(image.pixels, channels: channels)
    }

    /// 8-bit, alpha dropped, then gray (Pillow luma) or RGB.
    static func converted(_ pixels: PixelBuffer, channels: Int) -> PixelBuffer {
        // RGB first, then gray, as the reference (`convert('RGB')` then `Grayscale(1)`); for a gray
        // file both steps are exact.
        let rgb = pixels.convertedTo8Bit().droppingAlpha().converted(toChannels: 3)
        return channels == 1 ? rgb.converted(toChannels: 1) : rgb
    }

    /// Decodes `path` with one random augmentation draw applied, as pixels. When the crop is taken
    /// from the image as stored (`--preprocess crop`), only the crop of a JPEG is decoded: the
    /// usual training path for large photos.
    /// - Returns: the pixels after resize, crop and flip.
    func augmentedPixels(_ path: String, channels: Int, using rng: inout some RandomNumberGenerator) throws
        -> PixelBuffer
    {
        let (pixels, plan) = try decodeForPlan(path, channels: channels, using: &rng)
        return plan.applied(to: pixels)
    }

    /// As `augmentedPixels`, converted to `[C, H, W]` in `[-1, 1]` with crop and flip fused.
    func augmentedTensor(_ path: String, channels: Int, using rng: inout some RandomNumberGenerator) throws -> Tensor {
        let (pixels, plan) = try decodeForPlan(path, channels: channels, using: &rng)
        return plan.tensor(from: pixels)
    }

    /// The decoded pixels and the plan still to apply to them (a crop done while decoding is
    /// removed from the plan).
    private func decodeForPlan(_ path: String, channels: Int, using rng: inout some RandomNumberGenerator) throws
        -> (PixelBuffer, AugmentationPlan)
    {
        let bytes = try ImageFile.readBytes(path)
        if options.preprocess == .crop || options.preprocess == .scaleWidth || options.preprocess == .scaleWidthAndCrop,
            bytes.starts(with: [0xFF, 0xD8, 0xFF])
        {
            let info: ImageInfo
            do {
                info = try ImageDecoder.readInfo(bytes, options: options.decodeOptions)
            } catch let error as ImageCodecError {
                throw error.at(path)
            }
            var plan = try options.drawPlan(width: info.width, height: info.height, path: path, using: &rng)
            if plan.resize == nil, let crop = plan.crop {
                let pixels = try decode(path, bytes: bytes, channels: channels, region: crop)
                plan.crop = nil
                return (pixels, plan)
            }
            return (try decode(path, bytes: bytes, channels: channels), plan)
        }
        let pixels = try decode(path, bytes: bytes, channels: channels)
        return (pixels, try options.drawPlan(width: pixels.width, height: pixels.height, path: path, using: &rng))
    }
}
