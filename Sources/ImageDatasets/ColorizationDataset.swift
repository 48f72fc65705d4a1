import ImageCodecs
import Tensors

/// The reference's `colorization` layout: any folder of photos. Each photo is augmented as RGB
/// (resize, crop, flip), converted to CIE Lab as scikit-image's `rgb2lab`, and split into the
/// input `a = L / 50 - 1` (`[1, H, W]`, in [-1, 1]) and the target `b = ab / 110`
/// (`[2, H, W]`, about [-1, 1]). Gray photos give ab = 0.
public struct ColorizationDataset: ImageDataset {
    public let files: [String]
    public let options: DatasetOptions
    let reader: ImageReader

    /// - Parameter directory: the photo folder (the reference's `dataroot/phase`).
    public init(
        directory: String, options: DatasetOptions = DatasetOptions(),
        diagnostics: DatasetDiagnostics = DatasetDiagnostics()
    ) throws {
        try options.validate()
        self.options = options
        reader = ImageReader(options: options, diagnostics: diagnostics)
        files = try reader.listImages(in: directory, role: "photos")
    }

    public var count: Int { files.count }

    public func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> PairSample {
        let path = files[index]
        let rgb = try reader.augmentedPixels(path, channels: 3, using: &rng)
        let (l, ab) = Self.tensors(fromLab: ColorConversion.rgbToLab(rgb), width: rgb.width, height: rgb.height)
        return PairSample(a: l, b: ab, pathA: path, pathB: path)
    }

    /// `L / 50 - 1` as `[1, H, W]` and `ab / 110` as `[2, H, W]` from HWC Lab values.
    public static func tensors(fromLab lab: [Float], width: Int, height: Int) -> (l: Tensor, ab: Tensor) {
        (PixelTensor.lightness(fromLab: lab, width: width, height: height),
         PixelTensor.color(fromLab: lab, width: width, height: height))
    }

    /// The RGB picture from an L tensor `[1, H, W]` and an ab tensor `[2, H, W]` (or the same with
    /// a leading batch axis of 1), as the reference's `lab2rgb`: L = (a + 1)·50, ab = b·110.
    public static func pixels(l: Tensor, ab: Tensor) -> PixelBuffer {
        let lDims = Array(l.shape.dimensions.suffix(3)), abDims = Array(ab.shape.dimensions.suffix(3))
        precondition(
            lDims.count == 3 && lDims[0] == 1 && abDims.count == 3 && abDims[0] == 2 && lDims[1...] == abDims[1...],
            "ColorizationDataset.pixels: L \(l.shape) and ab \(ab.shape) do not match")
        precondition(
            l.scalarCount == lDims.reduce(1, *) && ab.scalarCount == abDims.reduce(1, *),
            "ColorizationDataset.pixels: one image at a time")
        let lab = PixelTensor.lab(lightness: PixelTensor.lightnessValues(from: l), color: ab)
        return ColorConversion.labToPixels(lab, width: lDims[2], height: lDims[1])
    }
}
