import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Limits that stop an archive from filling the disk (a zip or gzip bomb). They are checked against
/// the bytes actually written while extracting, never against sizes an archive header claims.
public struct ExtractionLimits: Sendable, Equatable {
    /// Total bytes of all extracted files.
    public var maxBytes: Int64
    /// Entries (files, folders, links).
    public var maxEntries: Int

    /// 64 GiB and a million entries: above every official dataset (edges2handbags is about 8.6 GB,
    /// 138,000 images), far below what a bomb expands to.
    public static let standard = ExtractionLimits(maxBytes: 64 << 30, maxEntries: 1_000_000)

    public init(maxBytes: Int64, maxEntries: Int) {
        self.maxBytes = maxBytes
        self.maxEntries = maxEntries
    }
}

/// A folder being filled from an untrusted archive. Every entry goes through here: paths are checked
/// (no absolute path, no `..`, never written through a symbolic link), links may not point outside,
/// device files are refused, and bytes and entries are counted against `limits`.
package final class ExtractionTarget {
    package let root: URL
    package let limits: ExtractionLimits
    /// Names the archive in errors.
    package let archivePath: String
    package private(set) var bytesWritten: Int64 = 0
    package private(set) var entryCount = 0

    package init(root: URL, limits: ExtractionLimits, archivePath: String) {
        self.root = root
        self.limits = limits
        self.archivePath = archivePath
    }

    private func unsafe(_ message: String) -> DatasetError {
        DatasetError(.unsafe, message + "; nothing was installed", path: archivePath)
    }

    /// Counts one more entry.
    package func beginEntry() throws {
        entryCount += 1
        if entryCount > limits.maxEntries {
            throw unsafe("the archive has more than \(limits.maxEntries) entries (limit)")
        }
    }

    /// Counts `count` more extracted bytes.
    package func account(_ count: Int) throws {
        bytesWritten += Int64(count)
        if bytesWritten > limits.maxBytes {
            throw unsafe("the archive expands to more than \(limits.maxBytes) bytes (limit); it may be a zip bomb")
        }
    }

    /// The components of an archive path, or a thrown `.unsafe` error for an absolute path or a `..`.
    /// Empty and `.` components are dropped; an empty result means the archive root itself.
    package func components(of rawPath: String) throws -> [String] {
        if rawPath.contains("\0") { throw unsafe("entry '\(rawPath)' has a NUL byte in its name") }
        if rawPath.hasPrefix("/") || rawPath.hasPrefix("\\") { throw unsafe("entry '\(rawPath)' has an absolute path") }
        if rawPath.count >= 2, rawPath.dropFirst().first == ":", rawPath.first!.isLetter {
            throw unsafe("entry '\(rawPath)' has a drive-letter path")
        }
        // Backslashes are separators too, so `..\x` is caught as well.
        let parts = rawPath.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
        if parts.contains("..") {
            throw unsafe("entry '\(rawPath)' has a '..' segment that could leave the target folder")
        }
        return parts.filter { $0 != "." }
    }

    private func url(_ components: [String]) -> URL {
        components.reduce(root) { $0.appendingPathComponent($1) }
    }

    /// lstat's file type bits, nil when nothing is there.
    private func fileType(_ url: URL) -> mode_t? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }

    /// Creates the parent folders of `components`, refusing to pass through a symbolic link.
    private func prepareParents(_ components: [String], rawPath: String) throws {
        var current = root
        for part in components.dropLast() {
            current.appendPathComponent(part)
            switch fileType(current) {
            case nil:
                guard mkdir(current.path, 0o755) == 0 else {
                    throw DatasetError(.io, "cannot create folder \(current.path): \(String(cString: strerror(errno)))",
                                       path: archivePath)
                }
            case S_IFDIR?:
                continue
            case S_IFLNK?:
                throw unsafe("entry '\(rawPath)' would be written through the symbolic link '\(part)'")
            default:
                throw DatasetError(
                    .corrupt, "entry '\(rawPath)' needs folder '\(part)', which is a file", path: archivePath)
            }
        }
    }

    /// Makes a folder (and its parents).
    package func makeDirectory(_ rawPath: String) throws {
        let parts = try components(of: rawPath)
        guard !parts.isEmpty else { return }
        try prepareParents(parts + ["_"], rawPath: rawPath)
    }

    /// Opens a new regular file for writing; the caller writes through `write(_:to:)` and closes it.
    package func createFile(_ rawPath: String) throws -> FileHandle {
        let parts = try components(of: rawPath)
        guard !parts.isEmpty else { throw DatasetError(.corrupt, "a file entry has an empty name", path: archivePath) }
        try prepareParents(parts, rawPath: rawPath)
        let target = url(parts)
        switch fileType(target) {
        case S_IFLNK?: throw unsafe("entry '\(rawPath)' would overwrite the symbolic link at its path")
        case S_IFDIR?: throw DatasetError(.corrupt, "entry '\(rawPath)' is both a folder and a file", path: archivePath)
        default: break
        }
        // O_NOFOLLOW: never follow a link that appeared at the last component.
        let fd = open(target.path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DatasetError(
                .io, "cannot create \(target.path): \(String(cString: strerror(errno)))", path: archivePath)
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Appends `data` to an open file, counting it against the limits first.
    package func write(_ data: Data, to handle: FileHandle) throws {
        try account(data.count)
        do { try handle.write(contentsOf: data) } catch {
            throw DatasetError(.io, "cannot write: \(error.localizedDescription)", path: archivePath)
        }
    }

    /// Makes a symbolic link. The target must be relative, its leading `..` may climb at most to the
    /// root, and no `..` may follow a name (after a link, `a/..` is not `.`), so the link resolves
    /// inside the root whatever the links it passes through (each of which was checked the same way).
    package func makeSymlink(_ rawPath: String, target linkTarget: String) throws {
        let parts = try components(of: rawPath)
        guard !parts.isEmpty else { throw DatasetError(.corrupt, "a link entry has an empty name", path: archivePath) }
        if linkTarget.isEmpty || linkTarget.contains("\0") {
            throw DatasetError(.corrupt, "link '\(rawPath)' has an empty or invalid target", path: archivePath)
        }
        if linkTarget.hasPrefix("/") { throw unsafe("link '\(rawPath)' points to the absolute path '\(linkTarget)'") }
        let targetParts = linkTarget.split(separator: "/").map(String.init).filter { $0 != "." }
        let climbs = targetParts.prefix(while: { $0 == ".." }).count
        if climbs > parts.count - 1 || targetParts.dropFirst(climbs).contains("..") {
            throw unsafe("link '\(rawPath)' points to '\(linkTarget)', outside the target folder")
        }
        try prepareParents(parts, rawPath: rawPath)
        let at = url(parts)
        if fileType(at) != nil {
            throw DatasetError(.corrupt, "link '\(rawPath)' replaces an earlier entry", path: archivePath)
        }
        guard symlink(linkTarget, at.path) == 0 else {
            throw DatasetError(
                .io, "cannot create link \(at.path): \(String(cString: strerror(errno)))", path: archivePath)
        }
    }

    /// A hard link (tar): the earlier regular file `linkTarget` (an archive path) is copied to `rawPath`.
    package func makeHardLink(_ rawPath: String, target linkTarget: String) throws {
        let targetParts: [String]
        do { targetParts = try components(of: linkTarget) } catch {
            throw unsafe("hard link '\(rawPath)' points to '\(linkTarget)', outside the target folder")
        }
        // The source may not be reached through a symbolic link either.
        var current = root
        for part in targetParts.dropLast() {
            current.appendPathComponent(part)
            if fileType(current) != S_IFDIR {
                throw unsafe("hard link '\(rawPath)' points to '\(linkTarget)' through a link or a missing folder")
            }
        }
        let source = url(targetParts)
        guard !targetParts.isEmpty, fileType(source) == S_IFREG else {
            throw unsafe(
                "hard link '\(rawPath)' points to '\(linkTarget)', which is not an earlier file of the archive")
        }
        let input: FileHandle
        do { input = try FileHandle(forReadingFrom: source) } catch {
            throw DatasetError(.io, "cannot read \(source.path): \(error.localizedDescription)", path: archivePath)
        }
        defer { try? input.close() }
        let output = try createFile(rawPath)
        defer { try? output.close() }
        while true {
            let chunk: Data
            do { chunk = try input.read(upToCount: 1 << 16) ?? Data() } catch {
                throw DatasetError(.io, "cannot read \(source.path): \(error.localizedDescription)", path: archivePath)
            }
            if chunk.isEmpty { break }
            try write(chunk, to: output)
        }
    }

    /// Refuses a device file, FIFO or socket entry.
    package func refuseSpecial(_ rawPath: String, kind: String) throws -> Never {
        throw unsafe("entry '\(rawPath)' is a \(kind); datasets hold only files, folders and links")
    }
}
