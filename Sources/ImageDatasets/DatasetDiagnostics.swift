import Foundation
import ImageCodecs

/// Collects the files a dataset had to skip (unreadable, damaged, not images) and reports each
/// once, as one line naming the file and the reason, then a count at the end.
///
/// Shared by a dataset and its loader's worker threads; every method is thread-safe.
public final class DatasetDiagnostics: @unchecked Sendable {
    /// One skipped file.
    public struct Skip: Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    private let lock = NSLock()
    private var skips: [Skip] = []
    private var skipped: Set<String> = []
    private let report: @Sendable (String) -> Void

    /// - Parameter report: receives each warning line; prints to standard error by default.
    public init(report: @escaping @Sendable (String) -> Void = DatasetDiagnostics.printToStandardError) {
        self.report = report
    }

    /// Records that `path` is skipped and reports it the first time.
    public func skip(_ path: String, reason: String) {
        lock.lock()
        let isNew = skipped.insert(path).inserted
        if isNew { skips.append(Skip(path: path, reason: reason)) }
        lock.unlock()
        if isNew { report("warning: skipping \(path): \(reason)") }
    }

    /// Records a skipped file from the error that made it unusable (the error names the file).
    public func skip(_ error: Error, fallbackPath: String) {
        let (path, reason) = DatasetDiagnostics.describe(error, fallbackPath: fallbackPath)
        skip(path, reason: reason)
    }

    /// True when `path` was already skipped.
    public func isSkipped(_ path: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return skipped.contains(path)
    }

    /// Every skipped file, in the order first seen.
    public var skippedFiles: [Skip] {
        lock.lock()
        defer { lock.unlock() }
        return skips
    }

    public var skippedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return skips.count
    }

    /// "skipped 3 unreadable or damaged files (listed above)", or nil when none were skipped.
    public var summary: String? {
        let count = skippedCount
        if count == 0 { return nil }
        return "skipped \(count) unreadable or damaged file\(count == 1 ? "" : "s") (listed above)"
    }

    /// Reports the summary line, if any.
    public func reportSummary() {
        if let summary { report(summary) }
    }

    @Sendable public static func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The file an error is about and the reason without the path prefix.
    static func describe(_ error: Error, fallbackPath: String) -> (String, String) {
        switch error {
        case let error as ImageCodecErrorDescribing:
            return (error.describedPath ?? fallbackPath, error.describedMessage)
        default:
            return (fallbackPath, "\(error)")
        }
    }
}

/// Errors that carry a path and a message separately.
protocol ImageCodecErrorDescribing {
    var describedPath: String? { get }
    var describedMessage: String { get }
}

extension ImageCodecError: ImageCodecErrorDescribing {
    var describedPath: String? { path }
    var describedMessage: String { message }
}

extension ImageDatasetError: ImageCodecErrorDescribing {
    var describedPath: String? { path }
    var describedMessage: String { message }
}
