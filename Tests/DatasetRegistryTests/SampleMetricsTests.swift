import Foundation
import ImageCodecs
import Testing
import DatasetRegistry

@Suite struct SampleMetricsTests {
    @Test func stripeShareCountsOnlyColourlessNearBlackOrWhitePixels() {
        // black, white, grass green, brown, mid gray, a dark-but-coloured pixel, near white, near black
        let pixels: [[UInt8]] = [[0, 0, 0], [255, 255, 255], [70, 140, 50], [140, 85, 40], [128, 128, 128],
                                 [60, 20, 10], [200, 190, 195], [50, 60, 45]]
        let buffer = PixelBuffer(width: 8, height: 1, channels: 3, bytes: pixels.flatMap { $0 })
        #expect(SampleMetrics.stripeShare(buffer) == 4.0 / 8.0)
    }

    @Test func committedSampleHasStripesOnlyInDomainB() throws {
        let sample = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra")
        for split in ["train", "test"] {
            let a = try SampleMetrics.meanStripeShare(folder: sample.appendingPathComponent(split + "A"))
            let b = try SampleMetrics.meanStripeShare(folder: sample.appendingPathComponent(split + "B"))
            #expect(a < 0.005, "\(split)A stripe share \(a)")
            #expect(b > 0.05, "\(split)B stripe share \(b)")
        }
    }

    @Test func sampleFoldersAreDisjointAndSmall() throws {
        let sample = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra")
        var hashes: [String: String] = [:]
        var total = 0
        for folder in ["trainA", "trainB", "testA", "testB"] {
            let dir = sample.appendingPathComponent(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jpg") }
            #expect(names.count >= 8)
            for name in names {
                let data = try Data(contentsOf: dir.appendingPathComponent(name))
                total += data.count
                let key = data.base64EncodedString()
                #expect(hashes[key] == nil, "\(folder)/\(name) repeats \(hashes[key] ?? "")")
                hashes[key] = "\(folder)/\(name)"
            }
        }
        #expect(total < 400_000)
    }
}
