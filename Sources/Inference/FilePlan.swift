import Foundation
import ImageCodecs

/// How outputs are named and encoded.
public struct OutputOptions: Sendable, Equatable {
    /// The output format: the input's own, or one for all.
    public enum Format: String, Sendable, CaseIterable {
        case same, png, jpg
    }

    public var format: Format
    /// Added to the file name before the extension (`photo.jpg` + `_zebra` → `photo_zebra.jpg`).
    public var suffix: String
    /// JPEG quality 1...100.
    public var jpegQuality: Int
    /// Redo outputs that exist and are up to date.
    public var overwrite: Bool
    /// Drop EXIF and ICC instead of copying them to the output.
    public var stripMetadata: Bool

    public init(format: Format = .same, suffix: String = "", jpegQuality: Int = 95, overwrite: Bool = false,
                stripMetadata: Bool = false) {
        self.format = format
        self.suffix = suffix
        self.jpegQuality = jpegQuality
        self.overwrite = overwrite
        self.stripMetadata = stripMetadata
    }
}

/// One input image and what will become of it.
public struct PlannedFile: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Translate it.
        case process
        /// The output exists and is newer than the input.
        case upToDate
        /// Cannot be done; the reason is reported like a decode failure.
        case fail(String)
    }

    /// The input file.
    public var input: String
    /// The input relative to the input root (the file name when the input is one file), for messages.
    public var relativePath: String
    /// Where the output goes.
    public var output: String
    /// The output's encoding.
    public var format: ImageFormat
    public var action: Action
}

/// The folder walk and output planning of a batch: which files are images, where each output goes,
/// which outputs are already up to date, and which would collide.
public struct FilePlan: Sendable {
    /// Files in the order they will be processed (sorted by relative path).
    public var files: [PlannedFile]
    /// Non-image files, hidden entries and symbolic links to folders left alone.
    public var ignoredCount: Int
    /// Files with the extension of an image format this tool does not read (GIF, WebP, TIFF, …).
    public var unsupported: [String]
    /// Temporary files of planned outputs left by a run that was killed mid-write (`.name.tmp-PID-N`
    /// whose process is gone); the engine deletes them.
    public var staleTemporaries: [String] = []

    /// Lower-cased extensions of the files the walk takes as images.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]
    /// Image formats recognised by extension but not read.
    public static let otherImageExtensions: [String: String] = [
        "gif": "GIF", "webp": "WebP", "bmp": "BMP", "tif": "TIFF", "tiff": "TIFF", "heic": "HEIC", "heif": "HEIF",
        "avif": "AVIF", "jxl": "JPEG XL", "jp2": "JPEG 2000",
    ]

    public var pending: [PlannedFile] { files.filter { $0.action == .process } }

    // MARK: - Planning

    /// Plans a batch.
    ///
    /// - Parameters:
    ///   - input: an image file or a folder (walked recursively; hidden entries and non-images ignored).
    ///   - output: for a folder input, the folder that mirrors its tree. For a file input, the output
    ///     file, or a folder (existing, or without an image extension) to put it in.
    /// - Throws: `InferenceError.usage` when the paths cannot work (missing input, a file where a
    ///   folder is needed, outputs that would overwrite their inputs).
    public static func make(input: String, output: String, options: OutputOptions) throws -> FilePlan {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: input, isDirectory: &isDirectory) else {
            throw InferenceError.usage("\(input): no such file or folder")
        }
        let outputExists = fileManager.fileExists(atPath: output)
        var outputIsDirectory: ObjCBool = false
        _ = fileManager.fileExists(atPath: output, isDirectory: &outputIsDirectory)

        if !isDirectory.boolValue {
            // One file: OUT is the output file unless it is (or looks like) a folder.
            let name = (input as NSString).lastPathComponent
            let outputExtension = (output as NSString).pathExtension.lowercased()
            let outputIsFile = !(outputExists && outputIsDirectory.boolValue) && !output.hasSuffix("/")
                && imageExtensions.contains(outputExtension)
            var planned: PlannedFile
            if outputIsFile {
                let format: ImageFormat = outputExtension == "png" ? .png : .jpeg
                if options.format != .same && options.format.imageFormat != format {
                    throw InferenceError.usage("--format \(options.format.rawValue) contradicts the output name \(output)")
                }
                planned = PlannedFile(input: input, relativePath: name, output: output, format: format, action: .process)
                if let probe = ImageProbe.probe(input), probe.hasAlpha, format == .jpeg {
                    planned.action = .fail("has transparency, which JPEG cannot store; name the output .png")
                }
            } else {
                planned = plan(input: input, relativePath: name, outputRoot: output, options: options)
            }
            if samePath(planned.output, input) {
                throw InferenceError.usage("the output \(planned.output) would overwrite the input; choose another "
                                           + "output or a --suffix")
            }
            var result = FilePlan(files: [planned], ignoredCount: 0, unsupported: [])
            result.markUpToDate(options: options)
            result.findStaleTemporaries()
            return result
        }

        if outputExists && !outputIsDirectory.boolValue {
            throw InferenceError.usage("\(output) is a file; the input is a folder, so the output must be a folder")
        }
        let inputRoot = canonical(input)
        let outputRoot = canonical(output)
        // In place, only a suffix keeps outputs apart from inputs (a format change alone would let
        // a.jpg overwrite a user's a.png).
        if inputRoot == outputRoot && options.suffix.isEmpty {
            throw InferenceError.usage("the output folder is the input folder: outputs would overwrite or be mistaken "
                                       + "for inputs; give a --suffix or another output folder")
        }
        var walk = Walk(skip: outputRoot == inputRoot ? nil : outputRoot)
        walk.visit(directory: input, relative: "")
        var files = walk.images.map { relative in
            plan(input: (input as NSString).appendingPathComponent(relative), relativePath: relative, outputRoot: output,
                 options: options, relativeDirectory: (relative as NSString).deletingLastPathComponent)
        }
        if inputRoot == outputRoot {
            // In place, files named like another input's output are results of an earlier run.
            let outputs = Set(files.map { canonical($0.output) })
            let before = files.count
            files.removeAll { outputs.contains(canonical($0.input)) }
            walk.ignored += before - files.count
        }
        // An output that is an input of this batch would be overwritten mid-run.
        let inputs = Set(files.map { canonical($0.input) })
        for index in files.indices where inputs.contains(canonical(files[index].output)) {
            files[index].action = .fail("its output \(files[index].output) is an input of this batch; "
                                        + "give a --suffix or another output folder")
        }
        var result = FilePlan(files: files, ignoredCount: walk.ignored, unsupported: walk.unsupported)
        result.markCollisions()
        result.markUpToDate(options: options)
        result.findStaleTemporaries()
        return result
    }

    /// The plan for one image whose output goes under `outputRoot` (in `relativeDirectory`).
    static func plan(input: String, relativePath: String, outputRoot: String, options: OutputOptions,
                     relativeDirectory: String = "") -> PlannedFile {
        let name = (relativePath as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        let inputExtension = (name as NSString).pathExtension
        let probe = ImageProbe.probe(input)
        // The input's real format decides "same"; the extension is the fallback for unreadable files
        // (which fail at decode with a better message than the probe could give).
        let inputFormat = probe?.format ?? (inputExtension.lowercased() == "png" ? .png : .jpeg)
        var format: ImageFormat
        switch options.format {
        case .same: format = inputFormat
        case .png: format = .png
        case .jpg: format = probe?.hasAlpha == true ? .png : .jpeg  // JPEG cannot hold alpha
        }
        // Keep the input's extension (and its spelling) when it already names the output format.
        let keepsExtension = (format == .png && inputExtension.lowercased() == "png")
            || (format == .jpeg && ["jpg", "jpeg", "jpe", "jfif"].contains(inputExtension.lowercased()))
        let fileName = stem + options.suffix + "." + (keepsExtension ? inputExtension : format.fileExtension)
        let directory = relativeDirectory.isEmpty ? outputRoot : (outputRoot as NSString).appendingPathComponent(relativeDirectory)
        return PlannedFile(input: input, relativePath: relativePath,
                           output: (directory as NSString).appendingPathComponent(fileName), format: format,
                           action: .process)
    }

    /// Two inputs writing one output (`a.jpg` and `a.png` with `--format png`): the first in sorted
    /// order keeps it, the others fail, so nothing is overwritten by another input's result.
    mutating func markCollisions() {
        var owner: [String: Int] = [:]
        for index in files.indices {
            guard files[index].action == .process else { continue }
            let key = files[index].output
            if let first = owner[key] {
                files[index].action = .fail("its output \(key) is also the output of \(files[first].relativePath); "
                                            + "rename one, or use --format same or a --suffix")
            } else {
                owner[key] = index
            }
        }
    }

    /// Outputs that exist and are at least as new as their input are skipped unless `overwrite`.
    mutating func markUpToDate(options: OutputOptions) {
        guard !options.overwrite else { return }
        for index in files.indices where files[index].action == .process {
            if let outputTime = Self.modificationTime(files[index].output), let inputTime = Self.modificationTime(files[index].input),
               outputTime >= inputTime {
                files[index].action = .upToDate
            }
        }
    }

    /// Atomic writes go through `.name.tmp-PID-N` beside the output (`ImageFile.writeAtomically`);
    /// after a kill -9 those stay behind. Only temporaries of this plan's outputs whose writer
    /// process no longer exists are listed.
    mutating func findStaleTemporaries() {
        var namesByDirectory: [String: Set<String>] = [:]
        for file in files {
            namesByDirectory[(file.output as NSString).deletingLastPathComponent, default: []]
                .insert((file.output as NSString).lastPathComponent)
        }
        for (directory, names) in namesByDirectory {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
            else { continue }
            for entry in entries where entry.hasPrefix(".") {
                guard let marker = entry.range(of: ".tmp-", options: .backwards) else { continue }
                let name = String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound])
                let tail = entry[marker.upperBound...].split(separator: "-")
                guard names.contains(name), tail.count == 2, let pid = Int32(tail[0]), UInt32(tail[1]) != nil else { continue }
                // kill(pid, 0) fails with ESRCH when no such process exists.
                if kill(pid, 0) != 0 && errno == ESRCH {
                    staleTemporaries.append((directory as NSString).appendingPathComponent(entry))
                }
            }
        }
        staleTemporaries.sort()
    }

    // MARK: - Paths

    /// The path with symbolic links and `.`/`..` resolved (as far as it exists).
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    static func samePath(_ a: String, _ b: String) -> Bool { canonical(a) == canonical(b) }

    /// Modification time in nanoseconds since 1970, following symbolic links; nil when missing.
    static func modificationTime(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_mtim.tv_sec) * 1_000_000_000 + Int(info.st_mtim.tv_nsec)
    }

    /// The recursive folder walk, in sorted order.
    struct Walk {
        /// A folder not to enter (the output folder inside the input folder).
        let skip: String?
        var images: [String] = []
        var unsupported: [String] = []
        var ignored = 0

        mutating func visit(directory: String, relative: String) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
                // An unreadable subfolder: its files cannot be listed, let alone processed.
                if !relative.isEmpty { unsupported.append(relative + "/ (cannot be listed)") }
                return
            }
            for name in names.sorted() {
                let path = (directory as NSString).appendingPathComponent(name)
                let relativePath = relative.isEmpty ? name : relative + "/" + name
                if name.hasPrefix(".") {
                    ignored += 1
                    continue
                }
                var linkInfo = stat()
                guard lstat(path, &linkInfo) == 0 else { continue }
                var info = linkInfo
                let isLink = (linkInfo.st_mode & S_IFMT) == S_IFLNK
                if isLink && stat(path, &info) != 0 {
                    ignored += 1  // a dangling link
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    // Links to folders are not followed (they may loop), as `find` does by default.
                    if isLink || canonical(path) == skip {
                        ignored += 1
                    } else {
                        visit(directory: path, relative: relativePath)
                    }
                case S_IFREG:
                    let fileExtension = (name as NSString).pathExtension.lowercased()
                    if imageExtensions.contains(fileExtension) {
                        images.append(relativePath)
                    } else if otherImageExtensions[fileExtension] != nil {
                        unsupported.append(relativePath)
                    } else {
                        ignored += 1
                    }
                default:
                    ignored += 1
                }
            }
        }
    }
}

extension OutputOptions.Format {
    /// The codec format, nil for `same`.
    public var imageFormat: ImageFormat? {
        switch self {
        case .same: return nil
        case .png: return .png
        case .jpg: return .jpeg
        }
    }
}

/// The format and transparency of an image file, read from its first bytes without decoding.
public struct ImageProbe: Sendable, Equatable {
    public var format: ImageFormat
    /// True when decoding yields an alpha channel: PNG colour types 4 and 6, or a tRNS chunk.
    public var hasAlpha: Bool

    public init(format: ImageFormat, hasAlpha: Bool) {
        self.format = format
        self.hasAlpha = hasAlpha
    }

    /// Probes `path`; nil when it cannot be read or is neither JPEG nor PNG.
    public static func probe(_ path: String) -> ImageProbe? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 33), let format = try? ImageFormat.detect(Array(head)) else {
            return nil
        }
        if format == .jpeg { return ImageProbe(format: .jpeg, hasAlpha: false) }
        let bytes = Array(head)
        // IHDR is the first chunk: length (4), "IHDR" (4), width, height, bit depth, colour type (offset 25).
        guard bytes.count >= 26 else { return ImageProbe(format: .png, hasAlpha: false) }
        let colorType = bytes[25]
        if colorType == 4 || colorType == 6 { return ImageProbe(format: .png, hasAlpha: true) }
        // Otherwise transparency comes only from a tRNS chunk, which must precede the image data.
        var offset: UInt64 = 8
        for _ in 0..<1000 {
            guard (try? handle.seek(toOffset: offset)) != nil, let header = try? handle.read(upToCount: 8),
                  header.count == 8 else { break }
            let h = Array(header)
            let length = UInt64(h[0]) << 24 | UInt64(h[1]) << 16 | UInt64(h[2]) << 8 | UInt64(h[3])
            let type = String(decoding: h[4..<8], as: UTF8.self)
            if type == "tRNS" { return ImageProbe(format: .png, hasAlpha: true) }
            if type == "IDAT" || type == "IEND" { break }
            offset += 12 + length
        }
        return ImageProbe(format: .png, hasAlpha: false)
    }
}
