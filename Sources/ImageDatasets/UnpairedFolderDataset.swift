import ImageCodecs
import Tensors

/// The reference's `unaligned` layout (CycleGAN): two folders of unrelated images, `trainA/`
/// and `trainB/`. Sample i takes A image `i mod |A|` and a random B image (B image `i mod |B|`
/// with `serialBatches`); an epoch has `max(|A|, |B|)` samples. A and B get independent random
/// crops and flips, as in the reference.
///
/// With `--direction BtoA` the B folder supplies the input `a`. `a` gets `inputChannels`
/// channels and `b` `outputChannels`.
public struct UnpairedFolderDataset: ImageDataset {
    /// Files of the input domain (folder A, or B with BtoA) and of the target domain.
    public let inputFiles: [String]
    public let targetFiles: [String]
    public let options: DatasetOptions
    let reader: ImageReader

    /// - Parameters: directoryA, directoryB: the two domains (the reference's `trainA`, `trainB`).
    public init(
        directoryA: String, directoryB: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try options.validate()
        self.options = options
        reader = ImageReader(options: options, diagnostics: diagnostics)
        let filesA = try reader.listImages(in: directoryA, role: "domain A")
        let filesB = try reader.listImages(in: directoryB, role: "domain B")
        (inputFiles, targetFiles) = options.direction == .aToB ? (filesA, filesB) : (filesB, filesA)
    }

    /// `root/phaseA` and `root/phaseB` (e.g. `datasets/horse2zebra`, `train`).
    public init(
        root: String, phase: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try self.init(
            directoryA: root + "/" + phase + "A", directoryB: root + "/" + phase + "B", options: options,
            diagnostics: diagnostics)
    }

    public var count: Int { max(inputFiles.count, targetFiles.count) }

    public func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> PairSample {
        let pathA = inputFiles[index % inputFiles.count]
        let pathB =
            options.serialBatches
            ? targetFiles[index % targetFiles.count]
            : targetFiles[rng.nextInt(below: targetFiles.count)]
        let a = try reader.augmentedTensor(pathA, channels: options.inputChannels, using: &rng)
        let b = try reader.augmentedTensor(pathB, channels: options.outputChannels, using: &rng)
        return PairSample(a: a, b: b, pathA: pathA, pathB: pathB)
    }
}

/// The reference's `single` layout: one folder of images, for testing a generator in one
/// direction. `image` gets `inputChannels` channels (`outputChannels` with BtoA, as the reference).
public struct SingleFolderDataset: ImageDataset {
    public let files: [String]
    public let options: DatasetOptions
    let reader: ImageReader

    public init(
        directory: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try options.validate()
        self.options = options
        reader = ImageReader(options: options, diagnostics: diagnostics)
        files = try reader.listImages(in: directory, role: "images")
    }

    public var count: Int { files.count }

    public func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> ImageSample {
        let channels = options.direction == .aToB ? options.inputChannels : options.outputChannels
        let path = files[index]
        return ImageSample(image: try reader.augmentedTensor(path, channels: channels, using: &rng), path: path)
    }
}
