import Tensors

/// A folder layout that yields training samples.
public protocol ImageDataset: Sendable {
    associatedtype Sample: BatchableSample
    /// Number of samples in one epoch.
    var count: Int { get }
    /// Decodes and augments sample `index` (`0..<count`), drawing crops and flips from `rng`.
    /// Throws for an unreadable, damaged or too-small file (the error names it).
    func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> Sample
}

/// A sample that can be stacked with others of the same shape into a batch.
public protocol BatchableSample: Sendable {
    associatedtype Batch: Sendable
    /// The files this sample came from, for error messages and skip reports.
    var paths: [String] { get }
    /// Stacks samples of equal shapes along a new leading axis.
    /// - Throws: `ImageDatasetError(.sizeMismatch)` naming two files whose sizes differ.
    static func collate(_ samples: [Self]) throws -> Batch
}

/// One image (single-folder layout): `image` is `[C, H, W]` in `[-1, 1]`.
public struct ImageSample: BatchableSample {
    public var image: Tensor
    public var path: String

    public init(image: Tensor, path: String) {
        self.image = image
        self.path = path
    }

    public var paths: [String] { [path] }

    public static func collate(_ samples: [ImageSample]) throws -> ImageBatch {
        ImageBatch(images: try stack(samples.map(\.image), paths: samples.map(\.path)), paths: samples.map(\.path))
    }
}

/// A batch of single images: `images` is `[N, C, H, W]`.
public struct ImageBatch: Sendable {
    public var images: Tensor
    public var paths: [String]
}

/// An input/target pair: `a` is the model input and `b` the target, each `[C, H, W]`.
/// Paired and unpaired layouts: the two domains after `--direction`; colorization: L and ab;
/// super-resolution: the LR input and the HR target.
public struct PairSample: BatchableSample {
    public var a: Tensor
    public var b: Tensor
    public var pathA: String
    public var pathB: String

    public init(a: Tensor, b: Tensor, pathA: String, pathB: String) {
        self.a = a
        self.b = b
        self.pathA = pathA
        self.pathB = pathB
    }

    public var paths: [String] { pathA == pathB ? [pathA] : [pathA, pathB] }

    public static func collate(_ samples: [PairSample]) throws -> PairBatch {
        PairBatch(
            a: try stack(samples.map(\.a), paths: samples.map(\.pathA)),
            b: try stack(samples.map(\.b), paths: samples.map(\.pathB)),
            pathsA: samples.map(\.pathA), pathsB: samples.map(\.pathB))
    }
}

/// A batch of pairs: `a` and `b` are `[N, C, H, W]` (the reference's `real_A`, `real_B`).
public struct PairBatch: Sendable {
    public var a: Tensor
    public var b: Tensor
    public var pathsA: [String]
    public var pathsB: [String]
}

/// Stacks `[C, H, W]` tensors into `[N, C, H, W]`.
func stack(_ tensors: [Tensor], paths: [String]) throws -> Tensor {
    precondition(!tensors.isEmpty, "stack: no tensors")
    let shape = tensors[0].shape
    for (index, tensor) in tensors.enumerated() where tensor.shape != shape {
        throw ImageDatasetError(
            .sizeMismatch,
            "images in one batch must have one size, but \(paths[0]) gives \(shape) and this file \(tensor.shape); "
                + "use a --preprocess mode with a crop, or batch size 1",
            path: paths[index])
    }
    return Tensor.concatenate(tensors.map { $0.reshaped(to: Shape([1] + shape.dimensions)) }, alongAxis: 0)
}
