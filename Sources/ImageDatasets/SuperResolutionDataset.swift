import ImageCodecs
import Tensors

/// Super-resolution pairs: `a` is the low-resolution input and `b` the high-resolution target,
/// both RGB in [-1, 1].
///
/// Two layouts:
/// - **HR folder only**: each LR image is made on the fly by Pillow-style bicubic downscaling of
///   the HR crop by `scale` (antialiased; not MATLAB's `imresize`, so PSNR on the standard
///   benchmarks differs slightly from papers that use MATLAB LR images).
/// - **Paired HR and LR folders** (DIV2K style): files match by relative path and name, the LR
///   name optionally ending in `x<scale>` (`0001.png` ↔ `0001x4.png`); HR must be exactly
///   `scale` times LR after trimming HR to a multiple of `scale`.
///
/// Training (`preprocess` other than `.none`) takes aligned random crops: an LR patch of
/// `cropSize / scale` at (x, y) and the HR patch of `cropSize` at (scale·x, scale·y), plus a
/// shared random flip. With `.none` the whole image is used (evaluation).
public struct SuperResolutionDataset: ImageDataset {
    public let highResolutionFiles: [String]
    /// LR files matching `highResolutionFiles` one to one, or nil to make LR by downscaling.
    public let lowResolutionFiles: [String]?
    public let options: DatasetOptions
    let reader: ImageReader

    public init(
        highResolution: String, lowResolution: String? = nil, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try options.validate()
        if options.preprocess != .none && options.cropSize % options.scale != 0 {
            throw ImageDatasetError(
                .invalidOptions, "--crop-size (\(options.cropSize)) must be a multiple of --scale (\(options.scale))")
        }
        self.options = options
        reader = ImageReader(options: options, diagnostics: diagnostics)
        let hr = try reader.listImages(in: highResolution, role: "high-resolution images")
        guard let lowResolution else {
            highResolutionFiles = hr
            lowResolutionFiles = nil
            return
        }
        let lr = try reader.listImages(in: lowResolution, role: "low-resolution images")
        (highResolutionFiles, lowResolutionFiles) = try Self.match(
            hr: hr, hrRoot: highResolution, lr: lr,
            lrRoot: lowResolution, scale: options.scale)
    }

    public var count: Int { highResolutionFiles.count }

    public func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> PairSample {
        let hrPath = highResolutionFiles[index]
        let s = options.scale
        let training = options.preprocess != .none
        let lrCrop = options.cropSize / s
        var lr: PixelBuffer
        var hr: PixelBuffer
        if let lowResolutionFiles {
            let lrPath = lowResolutionFiles[index]
            let lrFull = try reader.decode(lrPath, channels: 3)
            let hrBytes = try ImageFile.readBytes(hrPath)
            let hrInfo = try info(hrBytes, path: hrPath)
            let (hrWidth, hrHeight) = (hrInfo.width - hrInfo.width % s, hrInfo.height - hrInfo.height % s)
            guard hrWidth == lrFull.width * s && hrHeight == lrFull.height * s else {
                throw ImageDatasetError(
                    .unmatchedPair,
                    "the HR image is \(hrInfo.width)×\(hrInfo.height) but its LR file \(lrPath) is "
                        + "\(lrFull.width)×\(lrFull.height); with --scale \(s) HR must be "
                        + "\(lrFull.width * s)×\(lrFull.height * s)",
                    path: hrPath)
            }
            var rect = PixelRect(x: 0, y: 0, width: lrFull.width, height: lrFull.height)
            if training {
                rect = try drawLowResolutionCrop(
                    width: lrFull.width, height: lrFull.height, crop: lrCrop, path: hrPath, using: &rng)
            }
            lr = lrFull.cropped(to: rect)
            hr = try reader.decode(
                hrPath, bytes: hrBytes, channels: 3,
                region: PixelRect(x: rect.x * s, y: rect.y * s, width: rect.width * s, height: rect.height * s))
        } else {
            let hrBytes = try ImageFile.readBytes(hrPath)
            let hrInfo = try info(hrBytes, path: hrPath)
            let (lrWidth, lrHeight) = (hrInfo.width / s, hrInfo.height / s)
            guard lrWidth >= 1 && lrHeight >= 1 else {
                throw ImageDatasetError(
                    .cropTooLarge, "the \(hrInfo.width)×\(hrInfo.height) image is smaller than --scale \(s)",
                    path: hrPath)
            }
            var rect = PixelRect(x: 0, y: 0, width: lrWidth, height: lrHeight)
            if training {
                rect = try drawLowResolutionCrop(
                    width: lrWidth, height: lrHeight, crop: lrCrop, path: hrPath, using: &rng)
            }
            hr = try reader.decode(
                hrPath, bytes: hrBytes, channels: 3,
                region: PixelRect(x: rect.x * s, y: rect.y * s, width: rect.width * s, height: rect.height * s))
            lr = hr.resized(width: rect.width, height: rect.height, filter: .bicubic)
        }
        let flip = options.noFlip ? false : rng.nextCoinFlip()
        return PairSample(
            a: PixelTensor.tensor(from: lr, flipHorizontally: flip),
            b: PixelTensor.tensor(from: hr, flipHorizontally: flip), pathA: lowResolutionFiles?[index] ?? hrPath,
            pathB: hrPath)
    }

    /// The upright size from the header.
    private func info(_ bytes: [UInt8], path: String) throws -> ImageInfo {
        do {
            return try ImageDecoder.readInfo(bytes, options: options.decodeOptions)
        } catch let error as ImageCodecError {
            throw error.at(path)
        }
    }

    private func drawLowResolutionCrop(
        width: Int, height: Int, crop: Int, path: String,
        using rng: inout some RandomNumberGenerator
    ) throws -> PixelRect {
        guard width >= crop && height >= crop else {
            throw ImageDatasetError(
                .cropTooLarge,
                "the \(options.cropSize)×\(options.cropSize) HR crop (--crop-size) is larger than the image "
                    + "(\(width * options.scale)×\(height * options.scale) after trimming to a multiple of "
                    + "--scale \(options.scale))",
                path: path)
        }
        return PixelRect(
            x: rng.nextInt(below: width - crop + 1), y: rng.nextInt(below: height - crop + 1),
            width: crop, height: crop)
    }

    /// Pairs HR and LR files by path relative to their folders, without extension, allowing an
    /// `x<scale>` suffix on the LR name.
    static func match(hr: [String], hrRoot: String, lr: [String], lrRoot: String, scale: Int) throws
        -> ([String], [String])
    {
        func key(_ path: String, root: String, suffix: String?) -> String {
            var relative = String(path.dropFirst(root.count)).drop { $0 == "/" }
            if let dot = relative.lastIndex(of: "."), !relative[dot...].contains("/") { relative = relative[..<dot] }
            var key = String(relative)
            if let suffix, key.hasSuffix(suffix) { key.removeLast(suffix.count) }
            return key
        }
        var lrByKey: [String: String] = [:]
        for path in lr {
            // Either "0001" or "0001x4" maps to "0001"; an exact name wins over a suffixed one.
            let plain = key(path, root: lrRoot, suffix: nil)
            let stripped = key(path, root: lrRoot, suffix: "x\(scale)")
            if lrByKey[plain] == nil { lrByKey[plain] = path }
            if stripped != plain && lrByKey[stripped] == nil { lrByKey[stripped] = path }
        }
        var pairedLR: [String] = []
        var missing: [String] = []
        for path in hr {
            if let match = lrByKey[key(path, root: hrRoot, suffix: nil)] {
                pairedLR.append(match)
            } else {
                missing.append(path)
            }
        }
        if let first = missing.first {
            throw ImageDatasetError(
                .unmatchedPair,
                "no low-resolution file in \(lrRoot) matches this HR image"
                    + (missing.count > 1 ? " (nor \(missing.count - 1) other HR images)" : "")
                    + "; LR files must have the same name, optionally ending in x\(scale)",
                path: first)
        }
        return (hr, pairedLR)
    }
}
