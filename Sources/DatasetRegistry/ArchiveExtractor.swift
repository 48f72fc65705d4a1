import Foundation
import ZIPFoundation

/// Extracts zip and tar.gz archives from untrusted sources into a folder, safely (see `ExtractionTarget`).
public enum ArchiveExtractor {
    /// The format of an archive file, from its first bytes (not its name).
    public static func detectType(of url: URL) throws -> DatasetEntry.ArchiveType {
        let source = try FileByteSource(url: url)
        let head = [UInt8](try source.read(upTo: 4))
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        if head.starts(with: [0x1F, 0x8B]) { return .tarGz }
        throw DatasetError(.corrupt, "neither a zip nor a gzip-compressed tar archive"
                           + (head.isEmpty ? " (the file is empty)" : ""), path: url.path)
    }

    /// Extracts `archive` into `folder` (created if needed).
    /// - Throws: `DatasetError` `.unsafe` for a path outside `folder`, an escaping link, a device file
    ///   or an expansion past `limits`; `.corrupt` for a damaged archive. `folder` may then hold part
    ///   of the archive: extract into a temporary folder and remove it on failure.
    public static func extract(_ archive: URL, into folder: URL, limits: ExtractionLimits = .standard) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw DatasetError(.io, "cannot create the folder: \(error.localizedDescription)", path: folder.path)
        }
        let target = ExtractionTarget(root: folder, limits: limits, archivePath: archive.path)
        switch try detectType(of: archive) {
        case .zip: try extractZip(archive, into: target)
        case .tarGz:
            let gzip = try GzipReader(source: try FileByteSource(url: archive), path: archive.path)
            var tar = TarExtractor(source: gzip, target: target)
            try tar.extractAll()
        }
    }

    static func extractZip(_ url: URL, into target: ExtractionTarget) throws {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw DatasetError(.corrupt, "not a readable zip archive (\(error))", path: url.path)
        }
        for entry in archive {
            try target.beginEntry()
            let path = entry.path
            do {
                switch entry.type {
                case .directory:
                    try target.makeDirectory(path)
                case .file:
                    if path.hasSuffix("/") { try target.makeDirectory(path); continue }
                    let handle = try target.createFile(path)
                    defer { try? handle.close() }
                    _ = try archive.extract(entry, skipCRC32: false) { data in try target.write(data, to: handle) }
                case .symlink:
                    // ZIPFoundation reads a link target whole; a real one is short.
                    guard entry.compressedSize <= 4096 else {
                        throw DatasetError(
                            .unsafe, "link '\(path)' has a \(entry.compressedSize)-byte target", path: url.path)
                    }
                    var data = Data()
                    _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                    try target.makeSymlink(path, target: String(decoding: data, as: UTF8.self))
                }
            } catch let error as DatasetError {
                throw error
            } catch {
                throw DatasetError(.corrupt, "entry '\(path)' cannot be extracted (\(error))", path: url.path)
            }
        }
    }
}
