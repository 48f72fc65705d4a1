import Console
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Downloads (or takes) a registry dataset's archive, extracts it safely and installs it as
/// `<datasetsFolder>/<name>` only once it is complete.
public struct DatasetFetcher {
    /// What `fetch` did.
    public enum Outcome: Equatable, Sendable {
        /// The folder already held a complete copy; nothing was done.
        case alreadyComplete(URL)
        /// The dataset was installed at this folder.
        case installed(URL)
    }

    public var entry: DatasetEntry
    /// The folder receiving `<name>/` (the reference's `./datasets`).
    public var datasetsFolder: URL
    /// A mirror URL (http/https) or an archive already on disk; nil uses the registry URL.
    public var from: String?
    public var limits: ExtractionLimits = .standard
    /// Seconds without data before a download gives up.
    public var timeout: TimeInterval = 60
    public var progressStyle: ProgressReporter.Style?
    /// Where progress and notes go (standard error by default).
    public var log: ((String) -> Void)?

    public init(entry: DatasetEntry, datasetsFolder: URL, from: String? = nil) {
        self.entry = entry
        self.datasetsFolder = datasetsFolder
        self.from = from
    }

    /// The installed dataset folder.
    public var targetFolder: URL { datasetsFolder.appendingPathComponent(entry.name) }
    /// Where downloads are kept until they are extracted (the `.part` file lives beside).
    public var downloadURL: URL {
        datasetsFolder.appendingPathComponent(".downloads").appendingPathComponent(entry.archiveFileName)
    }

    private func note(_ text: String) {
        if let log { log(text + "\n") } else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// Fetches the dataset. An existing complete copy is left as it is; an existing incomplete folder
    /// is never overwritten (the error says what is missing); on any failure the temporary folder is
    /// removed and nothing appears at `targetFolder`.
    public func fetch() throws -> Outcome {
        if let refusal = entry.refused { throw DatasetError(.refused, refusal, path: entry.name) }
        let fm = FileManager.default
        let target = targetFolder
        if fm.fileExists(atPath: target.path) {
            let problems = DatasetCompleteness.problems(in: target, for: entry)
            if problems.isEmpty { return .alreadyComplete(target) }
            throw DatasetError(
                .incomplete, "exists but is not a complete \(entry.name) (\(problems.joined(separator: "; "))); "
                    + "move it away or delete it, then fetch again", path: target.path)
        }

        // 1. The archive: a local file, or a download from the mirror or the registry URL.
        let archive: URL
        var downloaded = false
        if let from, !(from.hasPrefix("http://") || from.hasPrefix("https://")) {
            archive = URL(fileURLWithPath: from)
            guard fm.fileExists(atPath: archive.path) else {
                throw DatasetError(
                    .io, "no such archive; --from takes an http(s) URL or an existing .zip / .tar.gz file", path: from)
            }
        } else {
            let text = from ?? entry.url
            guard let url = URL(string: text), url.host != nil else {
                throw DatasetError(.download, "not a valid URL", path: text)
            }
            archive = downloadURL
            if !fm.fileExists(atPath: archive.path) {
                var download = HTTPDownload(url: url, destination: archive)
                download.timeout = timeout
                download.progressStyle = progressStyle
                download.log = log
                note("downloading \(url.absoluteString)")
                try download.run()
            } else {
                note("using the earlier download \(archive.path)")
            }
            downloaded = true
        }

        // 2. Extract into a hidden temporary folder beside the target (same file system: the final
        // rename is atomic), verify, then rename into place.
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temporary = datasetsFolder.appendingPathComponent(".\(entry.name).partial-\(tag)")
        defer { try? fm.removeItem(at: temporary) }
        do {
            note("extracting \(archive.lastPathComponent)")
            try ArchiveExtractor.extract(archive, into: temporary, limits: limits)
            let root = Self.datasetRoot(in: temporary, entry: entry)
            let problems = DatasetCompleteness.problems(in: root, for: entry)
            guard problems.isEmpty else {
                throw DatasetError(
                    .incomplete, "the archive is not a complete \(entry.name): \(problems.joined(separator: "; "))",
                    path: archive.path)
            }
            guard !fm.fileExists(atPath: target.path) else {
                throw DatasetError(.io, "appeared while extracting; left as it is", path: target.path)
            }
            do { try fm.moveItem(at: root, to: target) } catch {
                throw DatasetError(.io, "cannot move the extracted dataset into place: \(error.localizedDescription)",
                                   path: target.path)
            }
        } catch let error as DatasetError {
            // A damaged or hostile download would fail the same way again: drop it.
            if downloaded && error.code != .io {
                try? fm.removeItem(at: archive)
                rmdir(archive.deletingLastPathComponent().path)  // only succeeds when empty
            }
            throw error
        }
        if downloaded {
            try? fm.removeItem(at: archive)
            rmdir(archive.deletingLastPathComponent().path)  // only succeeds when empty
        }
        note("\(entry.name) is ready in \(target.path)")
        return .installed(target)
    }

    /// The dataset inside an extracted archive: the folder itself when it holds the expected folders,
    /// else its only sub-folder (`horse2zebra.zip` holds `horse2zebra/trainA/…`), ignoring `__MACOSX`
    /// and hidden entries.
    static func datasetRoot(in folder: URL, entry: DatasetEntry) -> URL {
        var current = folder
        for _ in 0..<2 {
            let fm = FileManager.default
            let holdsFolders = entry.folders.keys.allSatisfy {
                fm.fileExists(atPath: current.appendingPathComponent($0).path)
            }
            if !entry.folders.isEmpty && holdsFolders {
                return current
            }
            let names = ((try? fm.contentsOfDirectory(atPath: current.path)) ?? [])
                .filter { !$0.hasPrefix(".") && $0 != "__MACOSX" }
            // attributesOfItem does not follow links: never descend through one.
            guard names.count == 1,
                  let attributes = try? fm.attributesOfItem(atPath: current.appendingPathComponent(names[0]).path),
                  attributes[.type] as? FileAttributeType == .typeDirectory
            else { return current }
            // A lone folder that is itself one of the expected sub-folders means the archive has no wrapper.
            if entry.folders[names[0]] != nil { return current }
            current = current.appendingPathComponent(names[0])
        }
        return current
    }
}
