import Foundation
import ImageDatasets
import Tensors
import TestSupport
import Testing

/// The committed samples under datasets/samples load in their documented layouts.
@Suite struct SampleDatasetTests {
    static let samples = Fixtures.repositoryRoot.appendingPathComponent("datasets/samples").path

    @Test func labels2scenesIsAligned() throws {
        var options = DatasetOptions()
        options.loadSize = 72
        options.cropSize = 64
        let dataset = try PairedFolderDataset(root: Self.samples + "/labels2scenes", phase: "train", options: options)
        #expect(dataset.count == 48)
        let loader = BatchLoader(dataset: dataset, batchSize: 4, seed: 1, workers: 2)
        let batch = try #require(try loader.epoch(1).next())
        #expect(batch.a.shape == [4, 3, 64, 64] && batch.b.shape == [4, 3, 64, 64])
        #expect(batch.a.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    @Test func colorizationPhotosGiveLAndAB() throws {
        var options = DatasetOptions()
        options.preprocess = .crop
        options.cropSize = 64
        let dataset = try ColorizationDataset(directory: Self.samples + "/colorization/train", options: options)
        #expect(dataset.count == 42)
        var rng = SeededGenerator(seed: 3)
        let sample = try dataset.sample(at: 0, using: &rng)
        #expect(sample.a.shape == [1, 64, 64] && sample.b.shape == [2, 64, 64])
        #expect(sample.a.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(sample.b.scalars.allSatisfy { abs($0) <= 1.2 })
    }
}
