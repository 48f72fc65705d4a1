import Console
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads a URL to a file through a `.part` file that a later run resumes with a Range request.
public struct HTTPDownload {
    public var url: URL
    /// The finished file; the partial one is `destination` + `.part`.
    public var destination: URL
    /// Seconds without data before giving up.
    public var timeout: TimeInterval = 60
    /// `.bar` on a terminal, `.lines` in logs, `.silent` in tests (nil: pick from the terminal).
    public var progressStyle: ProgressReporter.Style?
    /// Where progress and notes go (standard error by default).
    public var log: ((String) -> Void)?

    public init(url: URL, destination: URL) {
        self.url = url
        self.destination = destination
    }

    /// The partial download.
    public var partURL: URL { destination.appendingPathExtension("part") }

    /// Downloads, resuming `partURL` when it exists. The partial file is kept on a network error so the
    /// same command resumes; it is restarted when the server ignores the Range request.
    /// - Throws: `.download` naming the URL and suggesting `--from`.
    public func run() throws {
        let fm = FileManager.default
        for attempt in 0..<2 {
            let result = transfer(offset: Self.fileSize(partURL))
            switch result {
            case .rangeNotSatisfiable where attempt == 0:
                // The part file is as long as (or longer than) the whole file, or stale: start over.
                try? fm.removeItem(at: partURL)
                continue
            case .rangeNotSatisfiable:
                throw failure("the server refused the byte range twice")
            case .failed(let error):
                // Keep a partial file for the next run to resume; an empty one is clutter.
                if Self.fileSize(partURL) == 0 {
                    try? fm.removeItem(at: partURL)
                    rmdir(partURL.deletingLastPathComponent().path)  // only succeeds when empty
                }
                throw error
            case .completed(let total):
                let size = Self.fileSize(partURL)
                if let total, size != total {
                    throw failure(
                        "the transfer ended after \(size) of \(total) bytes; run the same command again to resume")
                }
                do {
                    if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
                    try fm.moveItem(at: partURL, to: destination)
                } catch {
                    throw DatasetError(.io, "cannot rename the finished download: \(error.localizedDescription)",
                                       path: partURL.path)
                }
                return
            }
        }
    }

    /// The size of a file, 0 when it does not exist.
    package static func fileSize(_ url: URL) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    private func failure(_ message: String) -> DatasetError {
        DatasetError(
            .download, "cannot download: \(message). If the address is unreachable, download the archive "
                + "another way and pass it with --from FILE, or give a mirror with --from URL",
            path: url.absoluteString)
    }

    enum Outcome {
        case completed(total: Int64?)
        case rangeNotSatisfiable
        case failed(DatasetError)
    }

    /// One HTTP request: `Range: bytes=offset-` when `offset > 0`.
    func transfer(offset: Int64) -> Outcome {
        let fm = FileManager.default
        if !fm.fileExists(atPath: partURL.path) {
            do {
                try fm.createDirectory(at: partURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                return .failed(DatasetError(.io, "cannot create the download folder: \(error.localizedDescription)",
                                            path: partURL.deletingLastPathComponent().path))
            }
            guard fm.createFile(atPath: partURL.path, contents: nil) else {
                return .failed(DatasetError(.io, "cannot create the download file", path: partURL.path))
            }
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
        let delegate = DownloadDelegate(partURL: partURL, offset: offset, label: destination.lastPathComponent,
                                        style: progressStyle, log: log)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: queue)
        session.dataTask(with: request).resume()
        delegate.done.wait()
        session.finishTasksAndInvalidate()
        return delegate.outcome(failure: failure)
    }
}

/// Streams a response body into the part file. Its state is touched only by the session's serial
/// delegate queue, then read by the waiting thread after `done` is signalled.
private final class DownloadDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let partURL: URL
    let offset: Int64
    let label: String
    let style: ProgressReporter.Style?
    let log: ((String) -> Void)?
    let done = DispatchSemaphore(value: 0)
    private var handle: FileHandle?
    private var status = 0
    private var total: Int64?
    private var received: Int64 = 0
    private var writeError: Error?
    private var transportError: Error?
    private var progress: ProgressReporter?
    private var reportedKB = 0

    init(partURL: URL, offset: Int64, label: String, style: ProgressReporter.Style?, log: ((String) -> Void)?) {
        self.partURL = partURL
        self.offset = offset
        self.label = label
        self.style = style
        self.log = log
    }

    private func note(_ text: String) {
        if let log { log(text) } else { FileHandle.standardError.write(Data(text.utf8)) }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        guard let http = response as? HTTPURLResponse else { completionHandler(.cancel); return }
        status = http.statusCode
        var start: Int64 = 0
        switch status {
        case 206:
            // Content-Range: bytes <first>-<last>/<total>
            let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
            let numbers = range.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard numbers.count >= 2, numbers[0] == offset else {
                // A range we did not ask for: treat as a refusal and start over.
                status = 416
                completionHandler(.cancel)
                return
            }
            start = offset
            total = numbers.count >= 3 ? numbers[2] : nil
        case 200:
            // The server ignored the Range (or none was sent): the body is the whole file.
            total = http.expectedContentLength >= 0 ? http.expectedContentLength : nil
            if offset > 0 { note("\(label): the server does not resume downloads; starting over\n") }
        default:
            completionHandler(.cancel)
            return
        }
        do {
            let h = try FileHandle(forWritingTo: partURL)
            try h.truncate(atOffset: UInt64(start))
            try h.seekToEnd()
            handle = h
        } catch {
            writeError = error
            completionHandler(.cancel)
            return
        }
        received = start
        let totalKB = total.map { Int($0 / 1024) } ?? 0  // floor, as the advances below
        reportedKB = Int(start / 1024)
        progress = ProgressReporter(label: label, total: totalKB, unit: "kB", style: style, lineInterval: 5,
                                    initial: reportedKB, write: log)
        if start > 0 { progress?.log("\(label): resuming at \(start) bytes") }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let handle, writeError == nil else { return }
        do { try handle.write(contentsOf: data) } catch {
            writeError = error
            dataTask.cancel()
            return
        }
        received += Int64(data.count)
        let kb = Int(received / 1024)
        if kb > reportedKB {
            progress?.advance(by: kb - reportedKB)
            reportedKB = kb
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        transportError = error
        try? handle?.close()
        handle = nil
        done.signal()
    }

    func outcome(failure: (String) -> DatasetError) -> HTTPDownload.Outcome {
        if let writeError {
            return .failed(DatasetError(
                .io, "cannot write the download: \(writeError.localizedDescription)", path: partURL.path))
        }
        if status == 416 { return .rangeNotSatisfiable }
        if status != 200 && status != 206 {
            if status == 0 {
                let reason = transportError.map { ($0 as NSError).localizedDescription } ?? "no response"
                return .failed(failure("no connection (\(reason))"))
            }
            let reason = HTTPURLResponse.localizedString(forStatusCode: status)
            return .failed(failure("the server answered HTTP \(status) \(reason)"))
        }
        if let transportError {
            progress?.finish()
            let reason = (transportError as NSError).localizedDescription
            let sofar = "\(received)" + (total.map { " of \($0)" } ?? "")
            return .failed(failure("the connection broke after \(sofar) bytes (\(reason)); run the same command again "
                                   + "to resume"))
        }
        progress?.finish()
        return .completed(total: total)
    }
}
