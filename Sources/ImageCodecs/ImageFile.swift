#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Reading and writing image files with errors that name the file and the reason.
public enum ImageFile {
    /// Files larger than this are refused before reading (no JPEG/PNG a photo tool meets is
    /// near it; a multi-gigabyte file named .jpg is a mistake).
    public static let maximumFileBytes = 1 << 30

    /// The whole file.
    /// - Throws: `ImageCodecError(.io)` for a missing, unreadable or special file, or a directory;
    ///   `.truncated` for an empty file; `.tooLarge` above `maximumFileBytes`.
    public static func readBytes(_ path: String) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO named .jpg must not hang (regular files ignore the flag).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 { throw ImageCodecError(.io, "cannot open: \(lastError())", path: path) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw ImageCodecError(.io, "cannot stat: \(lastError())", path: path) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ImageCodecError(.io, "is a directory, not an image", path: path) }
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw ImageCodecError(.io, "is not a regular file (a device or pipe?)", path: path)
        }
        let size = Int(info.st_size)
        if size == 0 { throw ImageCodecError(.truncated, "the file is empty (0 bytes)", path: path) }
        if size > maximumFileBytes {
            throw ImageCodecError(
                .tooLarge,
                "the file is \(size >> 20) MiB, above the \(maximumFileBytes >> 20) MiB "
                    + "limit for one image", path: path)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while filled < size {
                let count = read(descriptor, buffer.baseAddress! + filled, size - filled)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ImageCodecError(.io, "read failed: \(lastError())", path: path)
                }
                if count == 0 { break }  // the file shrank while we read it
                filled += count
            }
        }
        if filled < size { bytes.removeSubrange(filled...) }
        return bytes
    }

    /// The first `count` bytes (fewer for a shorter file), to recognise the format cheaply.
    public static func readPrefix(_ path: String, count: Int = 16) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 { throw ImageCodecError(.io, "cannot open: \(lastError())", path: path) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG {
            throw ImageCodecError(.io, "is not a regular file", path: path)
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, count) }
        if got < 0 { throw ImageCodecError(.io, "read failed: \(lastError())", path: path) }
        return Array(bytes.prefix(got))
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
    /// `path`, so a crash leaves the old file or the new one, never half of one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary =
            (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if descriptor < 0 {
            throw ImageCodecError(
                .io, "cannot create a file in \(directory.isEmpty ? "/" : directory): \(lastError())",
                path: path)
        }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(lastError())"
                    return
                }
                written += count
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = "fsync failed: \(lastError())" }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = "cannot move the file into place: \(lastError())" }
        if let failure {
            unlink(temporary)
            throw ImageCodecError(.io, failure, path: path)
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
