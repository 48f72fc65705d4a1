import Foundation
import ImageCodecs
import ImageDatasets
import Tensors
import Testing

@Suite struct BatchLoaderTests {
    static func options() -> DatasetOptions {
        var options = DatasetOptions()
        options.preprocess = .resizeAndCrop
        options.loadSize = 20
        options.cropSize = 16
        return options
    }

    /// Everything one epoch yields, as comparable values.
    static func collect(_ loader: BatchLoader<UnpairedFolderDataset>, epoch: Int) throws -> [(
        [Float], [Float], [String], [String]
    )] {
        let run = loader.epoch(epoch)
        var batches: [([Float], [Float], [String], [String])] = []
        while let batch = try run.next() {
            #expect(batch.a.shape.rank == 4 && batch.a.shape[1] == 3 && batch.a.shape[2] == 16)
            batches.append((batch.a.scalars, batch.b.scalars, batch.pathsA, batch.pathsB))
        }
        return batches
    }

    @Test func sameSeedSameBatchesWhateverTheWorkerCount() throws {
        let folder = TemporaryFolder()
        for i in 0..<7 { folder.image("trainA/\(i).jpg", width: 24 + i, height: 20, seed: i) }
        for i in 0..<4 { folder.image("trainB/\(i).png", width: 20, height: 22 + i, seed: 20 + i) }
        let dataset = try UnpairedFolderDataset(root: folder.path, phase: "train", options: Self.options())
        func run(workers: Int, seed: UInt64, epoch: Int) throws -> [([Float], [Float], [String], [String])] {
            try Self.collect(
                BatchLoader(dataset: dataset, batchSize: 3, seed: seed, workers: workers, prefetch: 2), epoch: epoch)
        }
        let reference = try run(workers: 0, seed: 11, epoch: 0)
        #expect(reference.count == 3)  // 7 samples in batches of 3
        #expect(reference.last?.2.count == 1)
        for workers in [1, 2, 3] {
            let other = try run(workers: workers, seed: 11, epoch: 0)
            #expect(other.count == reference.count)
            for (x, y) in zip(other, reference) {
                #expect(x.0 == y.0 && x.1 == y.1 && x.2 == y.2 && x.3 == y.3, "workers \(workers)")
            }
        }
        // Resuming in the middle of an epoch gives the rest of the same batches.
        let loader = BatchLoader(dataset: dataset, batchSize: 3, seed: 11, workers: 2)
        let rest = Array(try loader.batches(epoch: 0, startingAt: 1))
        #expect(rest.count == 2)
        for (result, expected) in zip(rest, reference.dropFirst()) {
            let batch = try result.get()
            #expect(batch.a.scalars == expected.0 && batch.pathsA == expected.2)
        }
        // Another epoch or seed gives another order.
        #expect(try run(workers: 2, seed: 11, epoch: 1).map(\.2) != reference.map(\.2))
        #expect(try run(workers: 2, seed: 12, epoch: 0).map(\.2) != reference.map(\.2))
    }

    @Test func anEpochVisitsEverySampleOnce() {
        struct Numbers: ImageDataset {
            var count: Int { 10 }
            func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> ImageSample {
                ImageSample(image: Tensor(shape: [1, 1, 1], scalars: [Float(index)]), path: "\(index)")
            }
        }
        let loader = BatchLoader(dataset: Numbers(), batchSize: 4, seed: 3, workers: 2)
        for epoch in 0..<3 {
            #expect(loader.order(epoch: epoch).sorted() == Array(0..<10))
        }
        let serial = BatchLoader(dataset: Numbers(), batchSize: 4, shuffle: false, workers: 2)
        #expect(serial.order(epoch: 5) == Array(0..<10))
        #expect(BatchLoader(dataset: Numbers(), batchSize: 4, dropLast: true).batchesPerEpoch == 2)
        #expect(serial.batchesPerEpoch == 3)
    }

    /// Two shards of batch 2 split each global batch of 4 as one process with batch 4 has it: the
    /// same samples (same order, same per-position random draws), and the short last global batch
    /// (10 = 4 + 4 + 2) is split evenly (1 + 1).
    @Test func shardsSplitEachGlobalBatchOfTheSameOrder() throws {
        struct Numbers: ImageDataset {
            var count: Int { 10 }
            func sample(at index: Int, using rng: inout some RandomNumberGenerator) throws -> ImageSample {
                ImageSample(image: Tensor(shape: [1, 1, 1], scalars: [Float(index) + Float(rng.next() % 1000) / 1000]), path: "\(index)")
            }
        }
        func batches(_ loader: BatchLoader<Numbers>) throws -> [[Float]] {
            let epoch = loader.epoch(2)
            var result: [[Float]] = []
            while let batch = try epoch.next() { result.append(batch.images.scalars) }
            return result
        }
        let whole = BatchLoader(dataset: Numbers(), batchSize: 4, seed: 5, workers: 1)
        let ranks = (0..<2).map { BatchLoader(dataset: Numbers(), batchSize: 2, seed: 5, workers: 1, shard: BatchShard(rank: $0, count: 2)) }
        #expect(ranks.allSatisfy { $0.batchesPerEpoch == 3 && $0.globalBatchSize == 4 })
        let reference = try batches(whole), first = try batches(ranks[0]), second = try batches(ranks[1])
        #expect(reference.map(\.count) == [4, 4, 2] && first.map(\.count) == [2, 2, 1] && second.map(\.count) == [2, 2, 1])
        for index in 0..<3 { #expect(first[index] + second[index] == reference[index]) }
        // Three shards of a 4-sample remainder: 2 each, the sixth position padded from the start of the order.
        let three = BatchLoader(dataset: Numbers(), batchSize: 2, seed: 5, workers: 0, shard: BatchShard(rank: 2, count: 3))
        #expect(three.batchesPerEpoch == 2 && three.positions(ofBatch: 1, count: 10) == 10..<12)
        let padded = try batches(three)
        #expect(padded.count == 2 && padded[1].count == 2 && Int(padded[1][0]) == three.order(epoch: 2)[0])
    }

    @Test func damagedFilesAreSkippedUnlessStrict() throws {
        let folder = TemporaryFolder()
        for i in 0..<4 { folder.image("photos/\(i).jpg", width: 20, height: 20, seed: i) }
        // A truncated download: starts like a JPEG, decodes only partly.
        let good = try ImageFile.readBytes(folder.image("photos/bad.jpg", width: 40, height: 40, seed: 9))
        folder.file("photos/bad.jpg", bytes: Array(good.prefix(good.count / 2)))
        let log = WarningLog()
        let diagnostics = log.diagnostics()
        let dataset = try SingleFolderDataset(
            directory: folder.url("photos"), options: Self.options(), diagnostics: diagnostics)
        #expect(dataset.count == 5)
        let loader = BatchLoader(dataset: dataset, batchSize: 1, seed: 1, workers: 2, diagnostics: diagnostics)
        let epoch = loader.epoch(0)
        var paths: [String] = []
        while let batch = try epoch.next() { paths += batch.paths }
        #expect(paths.count == 5)
        #expect(!paths.contains { $0.hasSuffix("bad.jpg") })
        let warnings = log.lines.filter { $0.contains("bad.jpg") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("truncated") == true)
        #expect(log.lines.last == "skipped 1 unreadable or damaged file (listed above)")
        #expect(try epoch.next() == nil)
        #expect(log.lines.filter { $0.hasPrefix("skipped") }.count == 1)
        #expect(diagnostics.skippedCount == 1)

        let strict = BatchLoader(
            dataset: dataset, batchSize: 1, seed: 1, workers: 2, strict: true, diagnostics: diagnostics)
        let strictEpoch = strict.epoch(0)
        do {
            while try strictEpoch.next() != nil {}
            Issue.record("strict loading skipped a damaged file")
        } catch let error as ImageDatasetError {
            #expect(error.code == .damagedImage && error.path?.hasSuffix("bad.jpg") == true)
        }
    }

    @Test func aDatasetWhoseFilesAllFailIsAnError() throws {
        let folder = TemporaryFolder()
        let good = try ImageFile.readBytes(folder.image("a.jpg", width: 40, height: 40))
        folder.file("a.jpg", bytes: Array(good.prefix(200)))
        let log = WarningLog()
        let diagnostics = log.diagnostics()
        let dataset = try SingleFolderDataset(directory: folder.path, options: Self.options(), diagnostics: diagnostics)
        let epoch = BatchLoader(dataset: dataset, workers: 1, diagnostics: diagnostics).epoch(0)
        do {
            while try epoch.next() != nil {}
            Issue.record("an epoch whose only file is truncated delivered no error")
        } catch let error as ImageDatasetError {
            #expect(error.code == .noUsableImages, "\(error)")
            #expect(error.message.contains("1 files in a row were unreadable or damaged"), "\(error)")
        } catch {
            Issue.record("expected ImageDatasetError.noUsableImages, got \(type(of: error)): \(error)")
        }
        // The file itself was named once, with what is wrong with it, before the epoch gave up.
        let warnings = log.lines.filter { $0.contains("a.jpg") }
        #expect(warnings.count == 1 && warnings.first?.contains("truncated") == true, "\(log.lines)")
        #expect(diagnostics.skippedFiles.map(\.path) == [folder.url("a.jpg")])
    }

    @Test func cropTooLargeStopsTheEpochWithTheFileAndSizes() throws {
        let folder = TemporaryFolder()
        folder.image("small.jpg", width: 10, height: 8)
        var options = Self.options()
        options.preprocess = .crop
        let dataset = try SingleFolderDataset(directory: folder.path, options: options)
        let epoch = BatchLoader(dataset: dataset, workers: 2).epoch(0)
        do {
            _ = try epoch.next()
            Issue.record("no error")
        } catch let error as ImageDatasetError {
            #expect(error.code == .cropTooLarge && error.path?.hasSuffix("small.jpg") == true)
            #expect(error.description.contains("16×16") && error.description.contains("10×8"))
        }
    }

    @Test func droppingAnEpochEarlyStopsItsWorkers() throws {
        let folder = TemporaryFolder()
        for i in 0..<12 { folder.image("\(i).png", width: 20, height: 20, seed: i) }
        let dataset = try SingleFolderDataset(directory: folder.path, options: Self.options())
        let loader = BatchLoader(dataset: dataset, batchSize: 1, workers: 2, prefetch: 1)
        for _ in 0..<5 {
            let epoch = loader.epoch(0)
            _ = try epoch.next()
            epoch.cancel()
            #expect(try epoch.next() == nil)
        }
    }
}
