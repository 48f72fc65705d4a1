import Foundation

/// Which folder `translate train <name>` trains on: the full dataset when it is there, else the
/// committed sample with a note on how to fetch the full set.
public struct TrainingDataChoice: Equatable, Sendable {
    /// The folder to train on.
    public var folder: URL
    /// True when `folder` is the small sample.
    public var isSample: Bool
    /// One line for the user when the sample is used ("… run `translate datasets fetch horse2zebra` …").
    public var message: String?

    public init(folder: URL, isSample: Bool, message: String?) {
        self.folder = folder
        self.isSample = isSample
        self.message = message
    }

    /// Picks the training folder for `entry` with the sample at `<datasetsFolder>/samples/<name>`
    /// (the repository's `datasets/samples/horse2zebra`).
    public static func choose(entry: DatasetEntry, dataroot: URL? = nil, datasetsFolder: URL) throws
        -> TrainingDataChoice
    {
        try choose(entry: entry, dataroot: dataroot, datasetsFolder: datasetsFolder,
                   sampleFolder: datasetsFolder.appendingPathComponent("samples").appendingPathComponent(entry.name))
    }

    /// Picks the training folder for `entry`.
    /// - Parameters:
    ///   - dataroot: an explicit `--dataroot`: used when it holds a complete copy.
    ///   - datasetsFolder: where fetched datasets live (`datasets/`); `datasets/<name>` is tried next.
    ///   - sampleFolder: the committed sample (`datasets/samples/<name>`).
    /// - Throws: `.incomplete` when an explicit `dataroot` is not a complete copy (the user asked for
    ///   that folder: falling back silently would hide the mistake), or when the sample is missing too.
    public static func choose(entry: DatasetEntry, dataroot: URL? = nil, datasetsFolder: URL,
                              sampleFolder: URL) throws -> TrainingDataChoice {
        if let dataroot {
            let problems = DatasetCompleteness.problems(in: dataroot, for: entry)
            guard problems.isEmpty else {
                let parent = dataroot.deletingLastPathComponent().path
                throw DatasetError(
                    .incomplete, "is not a complete \(entry.name) (\(problems.joined(separator: "; "))); "
                        + "fetch it with `translate datasets fetch \(entry.name) --dir \(parent)`",
                    path: dataroot.path)
            }
            return TrainingDataChoice(folder: dataroot, isSample: false, message: nil)
        }
        let full = datasetsFolder.appendingPathComponent(entry.name)
        if DatasetCompleteness.isComplete(full, for: entry) {
            return TrainingDataChoice(folder: full, isSample: false, message: nil)
        }
        let sampleFolders = entry.folders.isEmpty ? ["trainA", "trainB"]
                                                  : entry.folders.keys.filter { $0.hasPrefix("train") }
        let sampleReady = sampleFolders.allSatisfy {
            DatasetCompleteness.imageCount(in: sampleFolder.appendingPathComponent($0)) > 0
        }
        guard sampleReady else {
            throw DatasetError(.incomplete, "neither the full \(entry.name) (\(full.path)) nor its sample is there; "
                               + "fetch it with `translate datasets fetch \(entry.name)`", path: sampleFolder.path)
        }
        let why = FileManager.default.fileExists(atPath: full.path) ? "\(full.path) is incomplete"
                                                                    : "\(full.path) is not there"
        return TrainingDataChoice(
            folder: sampleFolder, isSample: true,
            message: "training on the small built-in sample \(sampleFolder.path) (\(why)); "
                + "for the full \(entry.name) run `translate datasets fetch \(entry.name)`")
    }
}
