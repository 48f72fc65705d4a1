import Foundation
import Testing
import DatasetRegistry

/// The repository root (…/Tests/DatasetRegistryTests/<this file> → …).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

@Suite struct DatasetCatalogTests {
    func committed() throws -> DatasetCatalog {
        try DatasetCatalog.load(from: repositoryRoot.appendingPathComponent("datasets/registry.yaml"))
    }

    @Test func committedRegistryHoldsEveryReferenceDataset() throws {
        let catalog = try committed()
        let cyclegan = ["apple2orange", "summer2winter_yosemite", "horse2zebra", "monet2photo", "cezanne2photo",
                        "ukiyoe2photo", "vangogh2photo", "maps", "cityscapes", "facades", "iphone2dslr_flower", "ae_photos",
                        "grumpifycat", "mini", "mini_pix2pix", "mini_colorization"]
        for name in cyclegan {
            let entry = try catalog.entry(named: ["maps", "cityscapes", "facades"].contains(name) ? "cyclegan/\(name)" : name)
            #expect(entry.url == "https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/\(name).zip")
            #expect(entry.archive == .zip)
        }
        for name in ["cityscapes", "night2day", "edges2handbags", "edges2shoes", "facades", "maps"] {
            let entry = try catalog.entry(named: name)
            if ["cityscapes", "facades", "maps"].contains(name) { #expect(try catalog.entry(named: "pix2pix/\(name)") == entry) }
            #expect(entry.url == "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/\(name).tar.gz")
            #expect(entry.archive == .tarGz)
            #expect(entry.layout == .aligned)
        }
        #expect(catalog.entries.count == 22)
    }

    @Test func horse2zebraHasTheReferenceCounts() throws {
        let entry = try committed().entry(named: "horse2zebra")
        #expect(entry.folders == ["trainA": 1067, "trainB": 1334, "testA": 120, "testB": 140])
        #expect(entry.layout == .unaligned)
        #expect(entry.archiveFileName == "horse2zebra.zip")
        // Others have their folders with unknown counts, not invented numbers.
        #expect(try committed().entry(named: "apple2orange").folders == ["trainA": nil, "trainB": nil, "testA": nil, "testB": nil])
    }

    @Test func cityscapesIsRefusedWithTheReferenceMessage() throws {
        for name in ["cityscapes", "cyclegan/cityscapes"] {
            let refusal = try #require(try committed().entry(named: name).refused)
            #expect(refusal.hasPrefix("Due to license issue, we cannot provide the Cityscapes dataset"))
            #expect(refusal.contains("prepare_cityscapes_dataset.py"))
        }
    }

    @Test func unknownNameSuggestsCloseOnes() throws {
        #expect(throws: DatasetError.self) { try committed().entry(named: "zebra") }
        do { _ = try committed().entry(named: "horse") } catch let error as DatasetError {
            #expect(error.message.contains("did you mean horse2zebra"))
        }
    }

    @Test func malformedRegistriesAreClearErrors() {
        let duplicate = """
            datasets:
              - {name: a, url: "http://x/a.zip", archive: zip, layout: unaligned}
              - {name: a, url: "http://x/b.zip", archive: zip, layout: unaligned}
            """
        #expect(throws: DatasetError.self) { try DatasetCatalog.parse(duplicate) }
        let badCount = """
            datasets:
              - {name: a, url: "http://x/a.zip", archive: zip, layout: unaligned, folders: {trainA: many}}
            """
        #expect(throws: DatasetError.self) { try DatasetCatalog.parse(badCount) }
        let badArchive = "datasets:\n  - {name: a, url: \"http://x/a.rar\", archive: rar, layout: unaligned}\n"
        #expect(throws: DatasetError.self) { try DatasetCatalog.parse(badArchive) }
    }
}

@Suite struct TrainingDataChoiceTests {
    let entry = DatasetEntry(name: "horse2zebra", url: "http://127.0.0.1:9/x.zip", archive: .zip, layout: .unaligned,
                             folders: ["trainA": 2, "trainB": 3, "testA": 1, "testB": 1])

    func makeDataset(_ root: URL, counts: [String: Int]) throws {
        for (folder, count) in counts {
            let dir = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for i in 0..<count { try Data([0xFF, 0xD8]).write(to: dir.appendingPathComponent("\(i).jpg")) }
        }
    }

    @Test func fullCopyIsPreferredOverTheSample() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try makeDataset(s.url("datasets/horse2zebra"), counts: ["trainA": 2, "trainB": 3, "testA": 1, "testB": 1])
        let choice = try TrainingDataChoice.choose(entry: entry, datasetsFolder: s.url("datasets"),
                                                   sampleFolder: repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra"))
        #expect(choice == TrainingDataChoice(folder: s.url("datasets/horse2zebra"), isSample: false, message: nil))
    }

    @Test func sampleIsUsedWithAFetchHintWhenTheFullSetIsMissingOrIncomplete() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let sample = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra")
        var choice = try TrainingDataChoice.choose(entry: entry, datasetsFolder: s.url("datasets"), sampleFolder: sample)
        #expect(choice.folder == sample)
        #expect(choice.isSample)
        #expect(choice.message?.contains("`translate datasets fetch horse2zebra`") == true)
        #expect(choice.message?.contains("is not there") == true)
        try makeDataset(s.url("datasets/horse2zebra"), counts: ["trainA": 1])
        choice = try TrainingDataChoice.choose(entry: entry, datasetsFolder: s.url("datasets"), sampleFolder: sample)
        #expect(choice.isSample)
        #expect(choice.message?.contains("is incomplete") == true)
    }

    @Test func explicitDatarootMustBeComplete() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let sample = repositoryRoot.appendingPathComponent("datasets/samples/horse2zebra")
        try makeDataset(s.url("mine"), counts: ["trainA": 2, "trainB": 3, "testA": 1, "testB": 1])
        let choice = try TrainingDataChoice.choose(entry: entry, dataroot: s.url("mine"), datasetsFolder: s.url("datasets"),
                                                   sampleFolder: sample)
        #expect(choice == TrainingDataChoice(folder: s.url("mine"), isSample: false, message: nil))
        try FileManager.default.removeItem(at: s.url("mine/testB"))
        #expect(throws: DatasetError.self) {
            try TrainingDataChoice.choose(entry: entry, dataroot: s.url("mine"), datasetsFolder: s.url("datasets"),
                                          sampleFolder: sample)
        }
    }

    @Test func missingSampleAndFullSetIsAnError() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        #expect(throws: DatasetError.self) {
            try TrainingDataChoice.choose(entry: entry, datasetsFolder: s.url("datasets"), sampleFolder: s.url("nothing"))
        }
    }
}

@Suite struct CommittedSampleChoiceTests {
    @Test func repositoryWithoutTheFullSetTrainsOnTheCommittedSample() throws {
        let entry = try DatasetCatalog.load(from: repositoryRoot.appendingPathComponent("datasets/registry.yaml"))
            .entry(named: "horse2zebra")
        let datasets = repositoryRoot.appendingPathComponent("datasets")
        guard !DatasetCompleteness.isComplete(datasets.appendingPathComponent("horse2zebra"), for: entry) else { return }
        let choice = try TrainingDataChoice.choose(entry: entry, datasetsFolder: datasets)
        #expect(choice.isSample)
        #expect(choice.folder.path == datasets.appendingPathComponent("samples/horse2zebra").path)
        #expect(choice.message?.hasSuffix("for the full horse2zebra run `translate datasets fetch horse2zebra`") == true)
    }
}
