import Foundation
import Testing
import DatasetRegistry

@Suite struct ArchiveExtractorTests {
    func extractError(_ archive: URL, into folder: URL, limits: ExtractionLimits = .standard) -> DatasetError? {
        do {
            try ArchiveExtractor.extract(archive, into: folder, limits: limits)
            return nil
        } catch let error as DatasetError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func validZipExtractsFilesAndFolders() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try ZipBuilder.zip([.directory("d/"), .file("d/a.txt", "alpha"), .file("d/sub/b.txt", "beta")], at: s.url("x.zip"))
        try ArchiveExtractor.extract(s.url("x.zip"), into: s.url("out"))
        #expect(try String(contentsOf: s.url("out/d/a.txt"), encoding: .utf8) == "alpha")
        #expect(try String(contentsOf: s.url("out/d/sub/b.txt"), encoding: .utf8) == "beta")
    }

    @Test(arguments: [TarBuilder.LongNames.gnu, .pax])
    func validTarGzWithLongNamesExtracts(longNames: TarBuilder.LongNames) throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let long = "set/" + String(repeating: "deep/", count: 30) + "file.txt"  // 158 characters
        let tar = TarBuilder.tarGz([.directory("set/"), .file("set/a.txt", "alpha"), .file(long, "long one"),
                                    .symlink("set/link", to: "a.txt"), .hardlink("set/copy.txt", to: "set/a.txt")],
                                   longNames: longNames)
        try tar.write(to: s.url("x.tar.gz"))
        try ArchiveExtractor.extract(s.url("x.tar.gz"), into: s.url("out"))
        #expect(try String(contentsOf: s.url("out/set/a.txt"), encoding: .utf8) == "alpha")
        #expect(try String(contentsOf: s.url("out/" + long), encoding: .utf8) == "long one")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: s.url("out/set/link").path) == "a.txt")
        #expect(try String(contentsOf: s.url("out/set/copy.txt"), encoding: .utf8) == "alpha")
    }

    @Test func typeComesFromContentNotName() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz([.file("a.txt", "x")]).write(to: s.url("really-a-tar.zip"))
        #expect(try ArchiveExtractor.detectType(of: s.url("really-a-tar.zip")) == .tarGz)
        try Data("hello".utf8).write(to: s.url("text.zip"))
        #expect(throws: DatasetError.self) { try ArchiveExtractor.detectType(of: s.url("text.zip")) }
    }

    // MARK: - Hostile archives

    @Test func zipWithAbsolutePathIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let outside = s.url("outside-abs.txt").path
        try ZipBuilder.zip([.file("ok.txt", "fine"), .file(outside, "pwned")], at: s.url("x.zip"))
        let error = extractError(s.url("x.zip"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("absolute path") == true)
        #expect(!s.exists("outside-abs.txt"))
    }

    @Test func zipWithDotDotTraversalIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try ZipBuilder.zip([.file("a/../../evil.txt", "pwned")], at: s.url("x.zip"))
        let error = extractError(s.url("x.zip"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("'..'") == true)
        #expect(!s.exists("evil.txt"))
    }

    @Test(arguments: ["../evil.txt", "/tmp/evil-abs-\(UUID().uuidString).txt", "ok/..\\..\\evil.txt"])
    func tarWithEscapingPathIsRefused(path: String) throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz([.file(path, "pwned")]).write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(!s.exists("evil.txt"))
        if path.hasPrefix("/") { #expect(!FileManager.default.fileExists(atPath: path)) }
    }

    @Test func tarSymlinkEscapingThenWriteThroughItIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try FileManager.default.createDirectory(at: s.url("victim"), withIntermediateDirectories: true)
        // link -> ../victim (outside out/), then link/pwned.txt would land in victim/.
        try TarBuilder.tarGz([.symlink("link", to: "../victim"), .file("link/pwned.txt", "pwned")]).write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("outside") == true)
        #expect(!s.exists("victim/pwned.txt"))
        #expect(!s.exists("out/link"))
    }

    @Test func writingThroughAnInsideSymlinkIsRefusedToo() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz([.directory("d/"), .symlink("l", to: "d"), .file("l/x.txt", "via link")]).write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("through the symbolic link") == true)
        #expect(!s.exists("out/d/x.txt"))
    }

    @Test func symlinkClimbingAfterALinkIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        // sub/up -> .. is the root (allowed); x -> sub/up/.. would physically be the root's parent.
        try TarBuilder.tarGz([.directory("sub/"), .symlink("sub/up", to: ".."), .symlink("x", to: "sub/up/..")])
            .write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(!s.exists("out/x"))
    }

    @Test func zipSymlinkEscapingIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try ZipBuilder.zip([.symlink("link", to: "/etc")], at: s.url("x.zip"))
        #expect(extractError(s.url("x.zip"), into: s.url("out"))?.code == .unsafe)
        #expect(!s.exists("out/link"))
    }

    @Test func hardlinkToOutsideIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz([.hardlink("passwd", to: "../../../../etc/passwd")]).write(to: s.url("x.tar.gz"))
        #expect(extractError(s.url("x.tar.gz"), into: s.url("out"))?.code == .unsafe)
        #expect(!s.exists("out/passwd"))
    }

    @Test func deviceFileIsRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz([TestEntry(path: "dev", kind: .characterDevice)]).write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("character device") == true)
    }

    @Test func oversizedExpansionIsStoppedWhileExtracting() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zeros = Data(count: 3 << 20)  // 3 MiB of zeros compresses to a few KB
        try ZipBuilder.zip([.file("bomb.bin", bytes: zeros)], at: s.url("x.zip"))
        try TarBuilder.tarGz([.file("bomb.bin", bytes: zeros)]).write(to: s.url("x.tar.gz"))
        #expect(try Data(contentsOf: s.url("x.zip")).count < 64 << 10)
        let limits = ExtractionLimits(maxBytes: 1 << 20, maxEntries: 100)
        for name in ["x.zip", "x.tar.gz"] {
            let error = extractError(s.url(name), into: s.url("out-\(name)"), limits: limits)
            #expect(error?.code == .unsafe, "\(name)")
            let message = error?.message ?? ""
            #expect(message.contains("zip bomb") || message.contains("gzip bomb"), "\(name)")
            // Stopped at the limit, not after writing everything.
            let written: Int64 = HTTPDownload.fileSize(s.url("out-\(name)/bomb.bin"))
            #expect(written <= 1 << 20, "\(name) wrote \(written) bytes")
        }
        // The same archives pass under a limit above their size.
        try ArchiveExtractor.extract(s.url("x.zip"), into: s.url("ok"), limits: ExtractionLimits(maxBytes: 4 << 20, maxEntries: 10))
    }

    @Test func tooManyEntriesAreRefused() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        try TarBuilder.tarGz((0..<20).map { .file("f\($0)", "") }).write(to: s.url("x.tar.gz"))
        let error = extractError(s.url("x.tar.gz"), into: s.url("out"), limits: ExtractionLimits(maxBytes: 1 << 20, maxEntries: 10))
        #expect(error?.code == .unsafe)
        #expect(error?.message.contains("more than 10 entries") == true)
    }

    @Test func truncatedTarGzIsCorrupt() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let full = TarBuilder.tarGz([.file("a.bin", bytes: Data((0..<50_000).map { (i: Int) -> UInt8 in UInt8(i % 251) }))])
        try full.prefix(full.count / 2).write(to: s.url("x.tar.gz"))
        #expect(extractError(s.url("x.tar.gz"), into: s.url("out"))?.code == .corrupt)
    }

    @Test func gzipRoundTripsAcrossChunks() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let data = Data((0..<300_000).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 7 + i / 1000) })
        try Gzip.compress(data).write(to: s.url("x.gz"))
        let reader = try GzipReader(source: try FileByteSource(url: s.url("x.gz")), path: "x.gz")
        var out = Data()
        while true {
            let chunk = try reader.read(upTo: 7000)
            if chunk.isEmpty { break }
            out.append(chunk)
        }
        #expect(out == data)
    }
}
