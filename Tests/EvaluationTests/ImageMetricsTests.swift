import Evaluation
import Foundation
import ImageCodecs
import TestSupport
import Testing

/// The pairs and BasicSR values made by scripts/make_metric_fixtures.py.
enum MetricFixtures {
    struct Values: Decodable {
        var psnr: Double
        var ssim: Double
    }

    struct Pair: Decodable {
        var pred: String
        var gt: String
        var settings: [String: Values]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            pred = try container.decode(String.self, forKey: Key(stringValue: "pred"))
            gt = try container.decode(String.self, forKey: Key(stringValue: "gt"))
            var settings: [String: Values] = [:]
            for key in container.allKeys where key.stringValue != "pred" && key.stringValue != "gt" {
                settings[key.stringValue] = try container.decode(Values.self, forKey: key)
            }
            self.settings = settings
        }
    }

    struct File: Decodable { var pairs: [String: Pair] }

    static let root = Fixtures.url("metrics").path

    static func load() throws -> [String: Pair] {
        try JSONDecoder().decode(File.self, from: Data(contentsOf: Fixtures.url("metrics/expected.json"))).pairs
    }

    /// "rgb_crop4" → (crop 4, all channels); "y_crop0" → (crop 0, Y).
    static func options(_ key: String) -> ImageMetrics.Options {
        let parts = key.split(separator: "_")
        return ImageMetrics.Options(cropBorder: Int(parts[1].dropFirst(4))!, yChannel: parts[0] == "y")
    }
}

@Suite struct ImageMetricsTests {
    @Test func psnrAndSSIMEqualBasicSRsFormulas() throws {
        let pairs = try MetricFixtures.load()
        #expect(pairs.count == 5)
        for (name, pair) in pairs {
            let pred = try MetricImage(contentsOf: MetricFixtures.root + "/" + pair.pred)
            let gt = try MetricImage(contentsOf: MetricFixtures.root + "/" + pair.gt)
            #expect(pair.settings.count == 4, "\(name)")
            for (key, expected) in pair.settings {
                let options = MetricFixtures.options(key)
                let psnr = try ImageMetrics.psnr(pred, gt, options: options)
                let ssim = try ImageMetrics.ssim(pred, gt, options: options)
                #expect(abs(psnr - expected.psnr) < 1e-6, "\(name) \(key): PSNR \(psnr), BasicSR \(expected.psnr)")
                #expect(abs(ssim - expected.ssim) < 1e-6, "\(name) \(key): SSIM \(ssim), BasicSR \(expected.ssim)")
            }
        }
    }

    @Test func identicalImagesHaveInfinitePSNRAndSSIMOne() throws {
        let image = MetricImage(width: 12, height: 13, planes: [(0..<156).map { Double($0 % 17 * 15) }])
        #expect(try ImageMetrics.psnr(image, image) == .infinity)
        #expect(abs(try ImageMetrics.ssim(image, image) - 1) < 1e-12)
    }

    @Test func psnrOfAConstantErrorIsTheTextbookValue() throws {
        // Every sample off by 5: MSE 25, PSNR = 10·log10(255² / 25).
        let a = MetricImage(width: 4, height: 3, planes: Array(repeating: Array(repeating: 100, count: 12), count: 3))
        let b = MetricImage(width: 4, height: 3, planes: Array(repeating: Array(repeating: 105, count: 12), count: 3))
        #expect(abs(try ImageMetrics.psnr(a, b) - 10 * log10(255.0 * 255 / 25)) < 1e-12)
    }

    @Test func yChannelIsBT601Luma() {
        // White → 16 + 219 = 235, black → 16, pure green → 16 + 128.553.
        let rgb = MetricImage(width: 3, height: 1, planes: [[255, 0, 0], [255, 0, 255], [255, 0, 0]])
        let y = rgb.yChannel()
        #expect(y.channels == 1)
        #expect(abs(y.planes[0][0] - 235) < 1e-4 && abs(y.planes[0][1] - 16) < 1e-4)
        #expect(abs(y.planes[0][2] - 144.553) < 1e-4)
    }

    @Test func sixteenBitSamplesArePutOnTheEightBitScale() {
        let pixels = PixelBuffer(width: 2, height: 1, channels: 1, words: [65535, 257 * 10])
        #expect(MetricImage(pixels).planes == [[255, 10]])
    }

    @Test func tooSmallForTheWindowOrCropIsAnError() throws {
        let image = MetricImage(width: 18, height: 30, planes: [Array(repeating: 7, count: 540)])
        #expect(try ImageMetrics.ssim(image, image) == 1)
        do {
            _ = try ImageMetrics.ssim(image, image, options: ImageMetrics.Options(cropBorder: 4))
            Issue.record("SSIM of a 10-pixel-wide crop was computed")
        } catch let error as EvaluationError {
            #expect(error.code == .tooSmall && error.message.contains("leaves 10×22 pixels"), "\(error)")
        }
        do {
            _ = try ImageMetrics.psnr(image, image, options: ImageMetrics.Options(cropBorder: 9))
            Issue.record("PSNR of an empty crop was computed")
        } catch let error as EvaluationError {
            #expect(error.code == .tooSmall, "\(error)")
        }
    }

    @Test func differentSizesAreAnError() {
        let a = MetricImage(width: 12, height: 12, planes: [Array(repeating: 7, count: 144)])
        let b = MetricImage(width: 12, height: 11, planes: [Array(repeating: 7, count: 132)])
        #expect(throws: EvaluationError(.sizeMismatch, "prediction is 12×12, ground truth 12×11")) {
            try ImageMetrics.psnr(a, b)
        }
    }
}
