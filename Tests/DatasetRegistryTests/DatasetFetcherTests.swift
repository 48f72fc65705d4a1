import Foundation
import Testing
import TestSupport
import DatasetRegistry

extension DatasetFetcher.Outcome {
    /// The outcome with the folder as a path (URLs of existing folders gain a trailing slash).
    enum Described: Equatable { case alreadyComplete(String), installed(String) }
    var described: Described {
        switch self {
        case .alreadyComplete(let url): .alreadyComplete(url.path)
        case .installed(let url): .installed(url.path)
        }
    }
}

/// Fetches from a local HTTP server on 127.0.0.1; nothing here reaches the internet.
@Suite struct DatasetFetcherTests {
    static let counts = ["trainA": 6, "trainB": 5, "testA": 2, "testB": 3]

    func entry(_ name: String = "tiny2zebra", url: String, archive: DatasetEntry.ArchiveType = .zip) -> DatasetEntry {
        DatasetEntry(name: name, url: url, archive: archive, layout: .unaligned,
                     folders: Self.counts.mapValues { Optional($0) })
    }

    func fetcher(_ entry: DatasetEntry, _ s: Scratch, from: String? = nil) -> DatasetFetcher {
        var f = DatasetFetcher(entry: entry, datasetsFolder: s.url("datasets"), from: from)
        f.progressStyle = .silent
        f.log = { _ in }
        f.timeout = 10
        return f
    }

    func fetchError(_ f: DatasetFetcher) -> DatasetError? {
        do { _ = try f.fetch(); return nil } catch let e as DatasetError { return e } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    /// Nothing but `expected` (and no temporary or download leftovers) in the datasets folder.
    func expectOnly(_ expected: [String], in s: Scratch, hidden: [String] = []) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: s.url("datasets").path)) ?? []).sorted()
        #expect(names == (expected + hidden).sorted())
    }

    @Test func zipIsDownloadedVerifiedAndInstalledOnce() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: Self.counts), scratch: s.root)
        let server = try LocalHTTPServer(routes: ["/tiny2zebra.zip": .init(body: zip)])
        defer { server.stop() }
        let e = entry(url: server.baseURL + "/tiny2zebra.zip")
        #expect(try fetcher(e, s).fetch().described == .installed(s.url("datasets/tiny2zebra").path))
        for (folder, count) in Self.counts {
            #expect(DatasetCompleteness.imageCount(in: s.url("datasets/tiny2zebra/\(folder)")) == count)
        }
        expectOnly(["tiny2zebra"], in: s)
        // A second fetch finds it complete and does not download.
        #expect(try fetcher(e, s).fetch().described == .alreadyComplete(s.url("datasets/tiny2zebra").path))
        #expect(server.requests.count == 1)
    }

    @Test func tarGzIsDownloadedAndInstalled() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let archive = TarBuilder.tarGz(unalignedEntries("tiny2zebra", counts: Self.counts))
        let server = try LocalHTTPServer(routes: ["/d.tar.gz": .init(body: archive)])
        defer { server.stop() }
        #expect(try fetcher(entry(url: server.baseURL + "/d.tar.gz", archive: .tarGz), s).fetch().described
                == .installed(s.url("datasets/tiny2zebra").path))
        #expect(DatasetCompleteness.isComplete(s.url("datasets/tiny2zebra"), for: entry(url: "")))
    }

    @Test func cutDownloadResumesWithARangeRequest() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: Self.counts), scratch: s.root)
        let half = zip.count / 2
        let server = try LocalHTTPServer(routes: ["/t.zip": .init(body: zip, cutFirstResponseAfter: half)])
        defer { server.stop() }
        let f = fetcher(entry(url: server.baseURL + "/t.zip"), s)
        let error = fetchError(f)
        #expect(error?.code == .download)
        #expect(error?.message.contains("again to resume") == true)
        #expect(error?.path == server.baseURL + "/t.zip")
        #expect(HTTPDownload.fileSize(f.downloadURL.appendingPathExtension("part")) == Int64(half))
        #expect(!s.exists("datasets/tiny2zebra"))

        #expect(try f.fetch().described == .installed(s.url("datasets/tiny2zebra").path))
        #expect(server.requests.map(\.range) == [nil, "bytes=\(half)-"])
        #expect(DatasetCompleteness.imageCount(in: s.url("datasets/tiny2zebra/trainA")) == 6)
        expectOnly(["tiny2zebra"], in: s)
    }

    @Test func serverIgnoringRangeRestartsCleanly() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: Self.counts), scratch: s.root)
        let server = try LocalHTTPServer(routes: ["/t.zip": .init(body: zip, honorsRange: false)])
        defer { server.stop() }
        let f = fetcher(entry(url: server.baseURL + "/t.zip"), s)
        // A stale partial file of garbage: a Range request is sent, answered with the whole file.
        try FileManager.default.createDirectory(at: f.downloadURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 1000).write(to: f.downloadURL.appendingPathExtension("part"))
        #expect(try f.fetch().described == .installed(s.url("datasets/tiny2zebra").path))
        #expect(server.requests.map(\.range) == ["bytes=1000-"])
    }

    @Test func httpErrorNamesTheURLAndSuggestsFrom() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let server = try LocalHTTPServer(routes: [:])
        defer { server.stop() }
        let error = fetchError(fetcher(entry(url: server.baseURL + "/missing.zip"), s))
        #expect(error?.code == .download)
        #expect(error?.message.contains("HTTP 404") == true)
        #expect(error?.message.contains("--from") == true)
        #expect(error?.description.hasPrefix(server.baseURL + "/missing.zip") == true)
        #expect(!s.exists("datasets/tiny2zebra"))
    }

    @Test func noServerIsAClearError() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let server = try LocalHTTPServer(routes: [:])
        let url = server.baseURL + "/t.zip"
        server.stop()  // nothing listens on the port any more
        let error = fetchError(fetcher(entry(url: url), s))
        #expect(error?.code == .download)
        #expect(error?.path == url)
        #expect(error?.message.contains("--from FILE") == true)
    }

    @Test func hostileArchiveInstallsNothingAndLeavesNoTemporaryFolder() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        var entries = unalignedEntries("tiny2zebra", counts: Self.counts)
        entries.append(.symlink("tiny2zebra/escape", to: "../../.."))
        entries.append(.file("tiny2zebra/escape/pwned.txt", "pwned"))
        let server = try LocalHTTPServer(routes: ["/t.tar.gz": .init(body: TarBuilder.tarGz(entries))])
        defer { server.stop() }
        let error = fetchError(fetcher(entry(url: server.baseURL + "/t.tar.gz", archive: .tarGz), s))
        #expect(error?.code == .unsafe)
        expectOnly([], in: s)  // no dataset, no .partial folder, the bad download dropped
        #expect(!s.exists("pwned.txt"))
    }

    @Test func incompleteArchiveIsNotInstalled() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        var counts = Self.counts
        counts["trainB"] = 4
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: counts), scratch: s.root)
        try zip.write(to: s.url("local.zip"))
        let error = fetchError(fetcher(entry(url: "http://127.0.0.1:9/unused"), s, from: s.url("local.zip").path))
        #expect(error?.code == .incomplete)
        #expect(error?.message.contains("trainB/ has 4 images, expected 5") == true)
        expectOnly([], in: s)
        #expect(s.exists("local.zip"))  // a --from archive is the user's: kept
    }

    @Test func fromLocalArchiveNeedsNoNetwork() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try ZipBuilder.zip(unalignedEntries("tiny2zebra", counts: Self.counts), at: s.url("local.zip"))
        #expect(try fetcher(entry(url: "http://127.0.0.1:9/unused"), s, from: s.url("local.zip").path).fetch().described
                == .installed(s.url("datasets/tiny2zebra").path))
        #expect(s.exists("local.zip"))
    }

    @Test func fromMirrorURLIsUsedInsteadOfTheRegistryURL() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: Self.counts), scratch: s.root)
        let server = try LocalHTTPServer(routes: ["/mirror/t.zip": .init(body: zip)])
        defer { server.stop() }
        #expect(try fetcher(entry(url: "http://127.0.0.1:9/unused"), s, from: server.baseURL + "/mirror/t.zip").fetch().described
                == .installed(s.url("datasets/tiny2zebra").path))
    }

    @Test func existingIncompleteFolderIsLeftUntouched() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try FileManager.default.createDirectory(at: s.url("datasets/tiny2zebra/trainA"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: s.url("datasets/tiny2zebra/trainA/1.png"))
        let error = fetchError(fetcher(entry(url: "http://127.0.0.1:9/unused"), s))
        #expect(error?.code == .incomplete)
        #expect(error?.message.contains("move it away") == true)
        #expect(try String(contentsOf: s.url("datasets/tiny2zebra/trainA/1.png"), encoding: .utf8) == "mine")
    }

    @Test func refusedDatasetPrintsTheLicenceMessage() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        var e = entry(url: "http://127.0.0.1:9/unused")
        e.refused = "Due to license issue, we cannot provide the Cityscapes dataset"
        let error = fetchError(fetcher(e, s))
        #expect(error?.code == .refused)
        #expect(error?.message.hasPrefix("Due to license issue") == true)
    }
}
