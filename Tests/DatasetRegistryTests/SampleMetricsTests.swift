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

@Suite struct StripeShareComparisonTests {
    @Test func fractionsOfTheGapBetweenDomains() {
        let working = StripeShareComparison(realA: 0, fakeB: 0.08, realB: 0.1, fakeA: 0.01)
        #expect(abs(working.stripesAdded - 0.8) < 1e-12)
        #expect(abs(working.stripesRemoved - 0.9) < 1e-12)
        #expect(working.translatesBothWays())
        let identity = StripeShareComparison(realA: 0, fakeB: 0, realB: 0.1, fakeA: 0.1)
        #expect(!identity.translatesBothWays())
        #expect(identity.description.contains("testA 0.000 → G_A 0.000 (0% of the way to testB 0.100)"))
    }

    @Test func identityTranslationOfTheCommittedSampleDoesNotPass() throws {
        // "Translating" by copying the inputs: the measured shares show that nothing changed.
        let sample = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra")
        let a = sample.appendingPathComponent("testA"), b = sample.appendingPathComponent("testB")
        let copy = try StripeShareComparison.measure(realA: a, fakeB: a, realB: b, fakeA: b)
        #expect(copy.realB > 0.05)
        #expect(copy.stripesAdded == 0 && copy.stripesRemoved == 0)
        #expect(!copy.translatesBothWays())
        let swapped = try StripeShareComparison.measure(realA: a, fakeB: b, realB: b, fakeA: a)
        #expect(swapped.translatesBothWays(fraction: 0.99))
    }
}
