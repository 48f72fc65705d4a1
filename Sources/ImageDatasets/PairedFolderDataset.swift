import ImageCodecs
import Tensors

/// The reference's `aligned` layout (pix2pix): each file holds A and B side by side, A on the
/// left, split at `w / 2` (rounded down). One random draw (crop position, flip) is applied to
/// both halves, so they stay aligned. (For an odd width the last column is dropped.)
///
/// With `--direction BtoA` the right half becomes the input `a`. `a` gets `inputChannels`
/// channels and `b` `outputChannels` (1 = gray, as the reference's `Grayscale(1)`).
public struct PairedFolderDataset: ImageDataset {
    public let files: [String]
    public let options: DatasetOptions
    let reader: ImageReader

    /// - Parameter directory: the folder of A|B images (the reference's `dataroot/phase`, e.g.
    ///   `facades/train`).
    /// - Throws: `ImageDatasetError` for bad options, a missing folder or no usable image.
    public init(
        directory: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try options.validate()
        self.options = options
        reader = ImageReader(options: options, diagnostics: diagnostics)
        files = try reader.listImages(in: directory, role: "aligned A|B images")
    }

    /// `root/phase` (e.g. `datasets/facades` and `train`).
    public init(
        root: String, phase: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try self.init(directory: root + "/" + phase, options: options, diagnostics: diagnostics)
    }

    public var count: Int { files.count }

    public func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> PairSample {
        let path = files[index]
        // Both halves are decoded together; gray conversion happens per half below.
        let whole = try reader.decode(path, channels: 3)
        guard whole.width >= 2 else {
            throw ImageDatasetError(
                .cropTooLarge, "a \(whole.width)-pixel-wide image cannot hold A and B side by side", path: path)
        }
        let half = whole.width / 2
        let left = whole.cropped(to: PixelRect(x: 0, y: 0, width: half, height: whole.height))
        // With an odd width the last column is dropped, so both halves have one size.
        let right = whole.cropped(to: PixelRect(x: half, y: 0, width: half, height: whole.height))
        let (input, target) = options.direction == .aToB ? (left, right) : (right, left)
        // One draw from A's size, applied to both (the reference's get_params(opt, A.size)).
        let plan = try options.drawPlan(width: input.width, height: input.height, path: path, using: &rng)
        let a = plan.tensor(from: ImageReader.converted(input, channels: options.inputChannels))
        let b = plan.tensor(from: ImageReader.converted(target, channels: options.outputChannels))
        return PairSample(a: a, b: b, pathA: path, pathB: path)
    }
}
