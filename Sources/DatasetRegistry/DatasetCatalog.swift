import Foundation
import Yams

/// One official dataset: where its archive is and what a complete copy holds.
public struct DatasetEntry: Sendable, Equatable, Codable {
    /// Archive formats the fetcher extracts.
    public enum ArchiveType: String, Sendable, Codable { case zip, tarGz = "tar.gz" }
    /// Folder layouts (the reference's `--dataset_mode`): `unaligned` trainA/trainB/testA/testB,
    /// `aligned` train/val/test with A|B side by side, `other` undocumented.
    public enum Layout: String, Sendable, Codable { case unaligned, aligned, other }

    /// What `fetch` takes and the folder it creates.
    public var name: String
    /// Other accepted spellings (`cyclegan/maps`).
    public var aliases: [String]
    public var url: String
    public var archive: ArchiveType
    public var layout: Layout
    /// Sub-folder → expected image count (nil: unknown, any non-empty folder passes).
    public var folders: [String: Int?]
    /// When set, the dataset is not downloaded and this message is shown instead.
    public var refused: String?
    public var licence: String

    public init(name: String, aliases: [String] = [], url: String, archive: ArchiveType, layout: Layout,
                folders: [String: Int?] = [:], refused: String? = nil, licence: String = "") {
        self.name = name
        self.aliases = aliases
        self.url = url
        self.archive = archive
        self.layout = layout
        self.folders = folders
        self.refused = refused
        self.licence = licence
    }

    enum CodingKeys: String, CodingKey { case name, aliases, url, archive, layout, folders, refused, licence }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
        url = try c.decode(String.self, forKey: .url)
        archive = try c.decode(ArchiveType.self, forKey: .archive)
        layout = try c.decode(Layout.self, forKey: .layout)
        refused = try c.decodeIfPresent(String.self, forKey: .refused)
        licence = try c.decodeIfPresent(String.self, forKey: .licence) ?? ""
        // Counts are numbers or the word `unknown`.
        let raw = try c.decodeIfPresent([String: String].self, forKey: .folders) ?? [:]
        var folders: [String: Int?] = [:]
        for (folder, text) in raw {
            if text == "unknown" { folders[folder] = .some(nil); continue }
            guard let n = Int(text), n > 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .folders, in: c,
                    debugDescription:
                        "\(name): folder \(folder) has count '\(text)'; expected a positive number or unknown")
            }
            folders[folder] = n
        }
        self.folders = folders
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(aliases, forKey: .aliases)
        try c.encode(url, forKey: .url)
        try c.encode(archive, forKey: .archive)
        try c.encode(layout, forKey: .layout)
        try c.encode(folders.mapValues { $0.map(String.init) ?? "unknown" }, forKey: .folders)
        try c.encodeIfPresent(refused, forKey: .refused)
        try c.encode(licence, forKey: .licence)
    }

    /// The file name the archive is downloaded to (`horse2zebra.zip`).
    public var archiveFileName: String { "\(name).\(archive.rawValue)" }

    /// Expected folders in a stable order (train, val, test; A before B).
    public var sortedFolders: [(name: String, count: Int?)] {
        func rank(_ name: String) -> Int { name.hasPrefix("train") ? 0 : name.hasPrefix("val") ? 1 : 2 }
        return folders.keys.sorted { (rank($0), $0) < (rank($1), $1) }.map { ($0, folders[$0] ?? nil) }
    }
}

/// The registry of official datasets (`datasets/registry.yaml`).
public struct DatasetCatalog: Sendable, Equatable {
    public var entries: [DatasetEntry]

    public init(entries: [DatasetEntry]) { self.entries = entries }

    private struct File: Codable { var datasets: [DatasetEntry] }

    /// Parses registry YAML; `source` names the file in errors.
    public static func parse(_ text: String, source: String = "<registry>") throws -> DatasetCatalog {
        let file: File
        do { file = try YAMLDecoder().decode(File.self, from: text) } catch {
            throw DatasetError(.registry, "not a valid dataset registry: \(error)", path: source)
        }
        var seen: Set<String> = []
        for entry in file.datasets {
            for key in [entry.name] + entry.aliases {
                guard seen.insert(key).inserted else {
                    throw DatasetError(.registry, "the name '\(key)' is used twice", path: source)
                }
            }
            let validName = entry.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            guard validName, !entry.name.isEmpty else {
                throw DatasetError(.registry, "'\(entry.name)' is not a valid dataset name (letters, digits, _ and -)",
                                   path: source)
            }
        }
        return DatasetCatalog(entries: file.datasets)
    }

    /// Reads a registry file.
    public static func load(from url: URL) throws -> DatasetCatalog {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DatasetError(
                .registry, "cannot read the dataset registry: \(error.localizedDescription)", path: url.path)
        }
        return try parse(text, source: url.path)
    }

    /// Finds `datasets/registry.yaml` in the current folder, then in the checkout the executable was
    /// built in (`<repo>/.build/<config>/translate` → `<repo>/datasets/registry.yaml`), and reads it.
    public static func loadDefault(executable: String = CommandLine.arguments[0]) throws -> DatasetCatalog {
        let candidates = defaultLocations(executable: executable)
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return try load(from: url)
        }
        let looked = candidates.map(\.path).joined(separator: ", ")
        throw DatasetError(.registry, "no dataset registry found (looked at \(looked)); "
                           + "run from the translate checkout or pass --registry FILE")
    }

    /// Where `loadDefault` looks, in order.
    public static func defaultLocations(executable: String) -> [URL] {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var result = [cwd.appendingPathComponent("datasets/registry.yaml")]
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("datasets/registry.yaml")
            if candidate.path != result[0].path { result.append(candidate) }
            folder = folder.deletingLastPathComponent()
        }
        return result
    }

    /// The entry called `name` (or one of its aliases).
    /// - Throws: `.registry` naming the close matches when there is none.
    public func entry(named name: String) throws -> DatasetEntry {
        if let entry = entries.first(where: { $0.name == name || $0.aliases.contains(name) }) { return entry }
        let lower = name.lowercased()
        let near = entries.map(\.name).filter { $0.lowercased().contains(lower) || lower.contains($0.lowercased()) }
        throw DatasetError(.registry, "no dataset '\(name)' in the registry"
            + (near.isEmpty ? "" : " (did you mean \(near.joined(separator: ", "))?)")
            + "; `translate datasets list` shows them all")
    }
}
