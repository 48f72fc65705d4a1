import Foundation

/// Whether a folder holds a complete copy of a registry dataset.
public enum DatasetCompleteness {
    /// File name endings counted as images.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "jpe", "jfif", "png"]

    /// True for a visible file name with an image ending.
    static func isImageName(_ name: String) -> Bool {
        !name.hasPrefix(".") && imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Image files directly in `folder` (hidden files skipped); 0 when the folder does not exist.
    public static func imageCount(in folder: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter(isImageName).count
    }

    /// Image files anywhere below `folder`.
    static func recursiveImageCount(in folder: URL) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return 0 }
        var count = 0
        while let path = walker.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if isImageName(name) { count += 1 }
        }
        return count
    }

    /// What is missing from `folder` for `entry`: one line per problem, empty when complete.
    /// Folders with a known count must hold exactly that many images; others at least one. An entry
    /// without listed folders needs at least one image anywhere below `folder`.
    public static func problems(in folder: URL, for entry: DatasetEntry) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            return ["\(folder.path) does not exist"]
        }
        if entry.folders.isEmpty {
            return recursiveImageCount(in: folder) > 0 ? [] : ["\(folder.path) holds no images"]
        }
        var problems: [String] = []
        for (name, expected) in entry.sortedFolders {
            let count = imageCount(in: folder.appendingPathComponent(name))
            if let expected, count != expected {
                problems.append("\(name)/ has \(count) images, expected \(expected)")
            } else if count == 0 {
                problems.append("\(name)/ has no images")
            }
        }
        return problems
    }

    /// True when `folder` holds a complete copy of `entry`.
    public static func isComplete(_ folder: URL, for entry: DatasetEntry) -> Bool {
        problems(in: folder, for: entry).isEmpty
    }
}
