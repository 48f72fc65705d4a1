import Foundation
import ImageCodecs

/// Finds the images in a folder tree the way a photo tool should: recursively, by extension in
/// any case (`.jpg`, `.JPEG`, `.png`), skipping hidden and system entries (`.DS_Store`,
/// `__MACOSX/`, `Thumbs.db`), following symbolic links without looping, and in natural order
/// (`img2` before `img10`).
public enum ImageFolder {
    /// Extensions read as images (compared lowercased).
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]
    /// Image formats we do not decode: reported as skipped rather than silently ignored.
    public static let otherImageExtensions: Set<String> = [
        "bmp", "gif", "tif", "tiff", "webp", "ppm", "pgm", "heic", "heif", "avif", "jxl", "jp2",
    ]
    /// Names of system clutter, skipped wherever they appear.
    public static let systemNames: Set<String> = [
        "Thumbs.db", "desktop.ini", "__MACOSX", "@eaDir", "$RECYCLE.BIN", "System Volume Information", "lost+found",
    ]

    /// The result of a scan.
    public struct Listing: Sendable {
        /// Image files in natural order, as paths starting with the scanned folder.
        public var files: [String]
        /// Entries that looked like images but cannot be used, with the reason.
        public var skipped: [DatasetDiagnostics.Skip]
    }

    /// Scans `directory` (recursively unless `recursive` is false).
    /// - Throws: `ImageDatasetError(.missingFolder)` when `directory` is missing or not a folder.
    public static func scan(_ directory: String, recursive: Bool = true) throws -> Listing {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw ImageDatasetError(.missingFolder, "folder not found", path: directory)
        }
        guard isDirectory.boolValue else {
            throw ImageDatasetError(.missingFolder, "is a file, not a folder of images", path: directory)
        }
        var listing = Listing(files: [], skipped: [])
        var visited: Set<String> = [canonicalPath(directory)]
        walk(directory, recursive: recursive, visited: &visited, into: &listing)
        listing.files.sort { NaturalOrder.precedes($0, $1) }
        return listing
    }

    /// The path with every symbolic link resolved: the identity of a folder, to notice link loops.
    private static func canonicalPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    private static func walk(
        _ directory: String, recursive: Bool, visited: inout Set<String>, into listing: inout Listing
    ) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            listing.skipped.append(
                .init(path: directory, reason: "cannot read the folder (\(error.localizedDescription))"))
            return
        }
        for name in names {
            // Hidden files and folders (".DS_Store", "._IMG_1.jpg" AppleDouble files) and system clutter.
            if name.hasPrefix(".") || systemNames.contains(name) { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var isDirectory: ObjCBool = false
            // fileExists follows symbolic links; false here means a dangling link.
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                if isImageName(name) { listing.skipped.append(.init(path: path, reason: "broken symbolic link")) }
                continue
            }
            if isDirectory.boolValue {
                guard recursive, visited.insert(canonicalPath(path)).inserted else { continue }
                walk(path, recursive: recursive, visited: &visited, into: &listing)
                continue
            }
            let lowered = fileExtension(name)
            if imageExtensions.contains(lowered) {
                listing.files.append(path)
            } else if otherImageExtensions.contains(lowered) {
                listing.skipped.append(
                    .init(
                        path: path, reason: "\(lowered.uppercased()) images are not supported; convert to PNG or JPEG"))
            }
        }
    }

    static func isImageName(_ name: String) -> Bool { imageExtensions.contains(fileExtension(name)) }

    /// The lowercased extension without the dot ("" when none).
    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }
}

/// Natural ("human") ordering of paths: digit runs compare by value, so `img2.png` comes before
/// `img10.png`; paths compare component by component, so a folder's files stay together.
public enum NaturalOrder {
    /// True when `a` sorts before `b`. A total order: ties in value (`img01` / `img1`) and case
    /// fall back to plain byte order.
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let left = a.split(separator: "/", omittingEmptySubsequences: false)
        let right = b.split(separator: "/", omittingEmptySubsequences: false)
        for (x, y) in zip(left, right) where x != y {
            let order = compare(Array(x.utf8), Array(y.utf8))
            if order != 0 { return order < 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        }
        return left.count < right.count
    }

    /// -1, 0 or 1 comparing digit runs numerically and other text case-insensitively.
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c + 32 : c }
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if isDigit(a[i]) && isDigit(b[j]) {
                var iEnd = i, jEnd = j
                while iEnd < a.count && isDigit(a[iEnd]) { iEnd += 1 }
                while jEnd < b.count && isDigit(b[jEnd]) { jEnd += 1 }
                // Compare values without overflow: strip leading zeros, then length, then digits.
                var iStart = i, jStart = j
                while iStart < iEnd - 1 && a[iStart] == 48 { iStart += 1 }
                while jStart < jEnd - 1 && b[jStart] == 48 { jStart += 1 }
                let lengthA = iEnd - iStart, lengthB = jEnd - jStart
                if lengthA != lengthB { return lengthA < lengthB ? -1 : 1 }
                for k in 0..<lengthA where a[iStart + k] != b[jStart + k] {
                    return a[iStart + k] < b[jStart + k] ? -1 : 1
                }
                i = iEnd
                j = jEnd
            } else {
                let x = lower(a[i]), y = lower(b[j])
                if x != y { return x < y ? -1 : 1 }
                i += 1
                j += 1
            }
        }
        let restA = a.count - i, restB = b.count - j
        return restA == restB ? 0 : (restA < restB ? -1 : 1)
    }
}
