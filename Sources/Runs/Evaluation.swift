import Foundation
import ImageCodecs
import ImageDatasets
import Tensors
import Training

/// Held-out evaluation of a paired generator: mean L1 of G(A) against B (in [-1, 1]) and mean PSNR
/// (dB, 8-bit RGB), with the reference's test preprocessing (no crop, no flip, load size = crop size).
/// For colorization also the PSNR of the gray picture (ab = 0), the baseline to beat.
public struct Evaluation: Equatable, Sendable {
    public var images: Int
    public var meanL1: Double
    public var meanPSNR: Double
    /// Colorization only: the PSNR of the gray image against the photo.
    public var baselinePSNR: Double?

    public init(images: Int, meanL1: Double, meanPSNR: Double, baselinePSNR: Double? = nil) {
        self.images = images
        self.meanL1 = meanL1
        self.meanPSNR = meanPSNR
        self.baselinePSNR = baselinePSNR
    }

    /// The report's rows.
    public var rows: [(String, String)] {
        [("images", String(images)), ("mean L1 (G(A) vs B, [-1,1])", String(format: "%.4f", meanL1)),
         ("mean PSNR (dB, RGB)", String(format: "%.2f", meanPSNR))]
            + (baselinePSNR.map { [("baseline PSNR of the gray image (dB)", String(format: "%.2f", $0))] } ?? [])
    }

    /// Peak signal-to-noise ratio of two images of one size, in dB over 8-bit samples:
    /// `10·log10(255² / MSE)`; 99 for identical images, NaN for different sizes.
    public static func psnr(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        let x = a.convertedTo8Bit().bytes, y = b.convertedTo8Bit().bytes
        guard x.count == y.count, !x.isEmpty else { return .nan }
        var squared = 0.0
        for i in 0..<x.count {
            let d = Double(x[i]) - Double(y[i])
            squared += d * d
        }
        let mse = squared / Double(x.count)
        return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
    }

    /// Runs `translate` (G) over every readable pair of `dataset` and averages. Unreadable pairs are
    /// skipped (the loader's diagnostics report them); nil when none was readable.
    public static func run(dataset: any PairDatasetBox, colorization: Bool,
                           translate: (Tensor) -> Tensor) -> Evaluation? {
        var totalL1 = 0.0, totalPSNR = 0.0, totalBaseline = 0.0, count = 0
        var random = SeededGenerator(seed: 0)
        for index in 0..<dataset.count {
            guard let pair = try? dataset.pair(at: index, using: &random) else { continue }
            let fake = translate(pair.realA)
            totalL1 += Double(fake.l1Loss(pair.realB).scalar)
            let (fakeRGB, realRGB) = colorization
                ? (ColorizationDataset.pixels(l: pair.realA, ab: fake), ColorizationDataset.pixels(l: pair.realA, ab: pair.realB))
                : (PixelTensor.pixels(from: fake), PixelTensor.pixels(from: pair.realB))
            totalPSNR += psnr(fakeRGB, realRGB)
            if colorization {
                let gray = ColorizationDataset.pixels(l: pair.realA, ab: Tensor(zeros: pair.realB.shape))
                totalBaseline += psnr(gray, realRGB)
            }
            count += 1
        }
        guard count > 0 else { return nil }
        let n = Double(count)
        return Evaluation(images: count, meanL1: totalL1 / n, meanPSNR: totalPSNR / n,
                          baselinePSNR: colorization ? totalBaseline / n : nil)
    }
}
