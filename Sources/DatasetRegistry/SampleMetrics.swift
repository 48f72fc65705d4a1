import Foundation
import ImageCodecs

/// Measures for the horse2zebra demo that need no masks, so they apply to generated outputs too.
public enum SampleMetrics {
    /// Largest channel spread (max − min, 0-255) of a "colourless" pixel.
    public static let maxStripeChroma = 40
    /// A colourless pixel counts as a stripe when its brightest channel is at most this (near black)…
    public static let maxDarkLevel = 70
    /// …or its darkest channel at least this (near white).
    public static let minLightLevel = 185

    /// The share (0…1) of near-black or near-white, low-saturation pixels: zebra stripes. Grass is
    /// green and the animals brown in the sample (both well saturated), so for domain A it is about
    /// 0 and for domain B it is the striped part of the image.
    public static func stripeShare(_ pixels: PixelBuffer) -> Double {
        let image = pixels.convertedTo8Bit()
        let bytes = image.bytes
        let c = image.channels
        let colour = c >= 3
        var count = 0
        for p in 0..<image.pixelCount {
            let base = p * c
            let r = Int(bytes[base])
            let g = colour ? Int(bytes[base + 1]) : r
            let b = colour ? Int(bytes[base + 2]) : r
            let high = max(r, g, b)
            let low = min(r, g, b)
            if high - low <= maxStripeChroma && (high <= maxDarkLevel || low >= minLightLevel) { count += 1 }
        }
        return Double(count) / Double(image.pixelCount)
    }

    /// `stripeShare` of one image file.
    public static func stripeShare(file: URL) throws -> Double {
        stripeShare(try ImageDecoder.decode(contentsOf: file.path).pixels)
    }

    /// The mean `stripeShare` over the JPEG/PNG images directly in `folder` (sorted by name).
    /// - Throws: `ImageCodecError` for an unreadable image, `DatasetError` when there is none.
    public static func meanStripeShare(folder: URL) throws -> Double {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            .filter(DatasetCompleteness.isImageName)
        guard !names.isEmpty else { throw DatasetError(.incomplete, "holds no JPEG or PNG images", path: folder.path) }
        var sum = 0.0
        for name in names { sum += try stripeShare(file: folder.appendingPathComponent(name)) }
        return sum / Double(names.count)
    }
}

/// The demo's check, both directions: stripe shares of the test images and of their translations.
public struct StripeShareComparison: Equatable, Sendable, CustomStringConvertible {
    /// Mean stripe share of testA (horses: ~0) and of G_A(testA).
    public var realA: Double
    public var fakeB: Double
    /// Mean stripe share of testB (zebras) and of G_B(testB).
    public var realB: Double
    public var fakeA: Double

    public init(realA: Double, fakeB: Double, realB: Double, fakeA: Double) {
        self.realA = realA
        self.fakeB = fakeB
        self.realB = realB
        self.fakeA = fakeA
    }

    /// Measures the four folders (`SampleMetrics.meanStripeShare`).
    public static func measure(realA: URL, fakeB: URL, realB: URL, fakeA: URL) throws -> StripeShareComparison {
        StripeShareComparison(
            realA: try SampleMetrics.meanStripeShare(folder: realA),
            fakeB: try SampleMetrics.meanStripeShare(folder: fakeB),
            realB: try SampleMetrics.meanStripeShare(folder: realB),
            fakeA: try SampleMetrics.meanStripeShare(folder: fakeA))
    }

    /// How far G_A moved testA towards testB's stripe share (0: no stripes added, 1: as striped as testB).
    public var stripesAdded: Double { (fakeB - realA) / max(realB - realA, 1e-9) }
    /// How far G_B moved testB towards testA's share (0: stripes kept, 1: as plain as testA).
    public var stripesRemoved: Double { (realB - fakeA) / max(realB - realA, 1e-9) }

    /// True when both directions covered at least `fraction` of the gap between the domains.
    public func translatesBothWays(fraction: Double = 0.5) -> Bool {
        stripesAdded >= fraction && stripesRemoved >= fraction
    }

    public var description: String {
        String(format: "stripe share: testA %.3f → G_A %.3f (%.0f%% of the way to testB %.3f); "
               + "testB %.3f → G_B %.3f (%.0f%% of the way to testA)",
               realA, fakeB, 100 * stripesAdded, realB, realB, fakeA, 100 * stripesRemoved)
    }
}
