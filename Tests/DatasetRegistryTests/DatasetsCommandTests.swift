import DatasetRegistry
import Foundation
import Testing
import TestSupport

/// The built `translate` binary beside the test bundle (or `TRANSLATE_BINARY`).
enum DatasetsTool {
    static let path: String? = {
        if let explicit = ProcessInfo.processInfo.environment["TRANSLATE_BINARY"] { return explicit }
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return [bundle.appendingPathComponent("translate").path,
                bundle.deletingLastPathComponent().appendingPathComponent("translate").path]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs the tool and returns (status, stdout + stderr).
    static func run(_ arguments: [String], in folder: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let log = folder.appendingPathComponent("log-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: log, encoding: .utf8))
    }
}

@Suite(.enabled(if: DatasetsTool.path != nil, "the translate binary was not built (swift build -c release --product translate)"))
struct DatasetsCommandTests {
    @Test func fetchThenRefetchThroughTheCommandLine() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let zip = try ZipBuilder.zipData(unalignedEntries("tiny2zebra", counts: ["trainA": 2, "trainB": 2, "testA": 1, "testB": 1]),
                                         scratch: s.root)
        let server = try LocalHTTPServer(routes: ["/tiny2zebra.zip": .init(body: zip)])
        defer { server.stop() }
        let registry = """
            datasets:
              - name: tiny2zebra
                url: \(server.baseURL)/tiny2zebra.zip
                archive: zip
                layout: unaligned
                folders: {trainA: 2, trainB: 2, testA: 1, testB: 1}
                licence: generated in the test
            """
        try Data(registry.utf8).write(to: s.url("registry.yaml"))
        let first = try DatasetsTool.run(["datasets", "fetch", "tiny2zebra", "--registry", "registry.yaml", "--dir", "data"],
                                         in: s.root)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("tiny2zebra installed in"))
        #expect(DatasetCompleteness.imageCount(in: s.url("data/tiny2zebra/trainB")) == 2)
        let again = try DatasetsTool.run(["datasets", "fetch", "tiny2zebra", "--registry", "registry.yaml", "--dir", "data"],
                                         in: s.root)
        #expect(again.status == 0)
        #expect(again.output.contains("already complete"))
        #expect(server.requests.count == 1)
        let list = try DatasetsTool.run(["datasets", "list", "--registry", "registry.yaml", "--dir", "data"], in: s.root)
        #expect(list.output.contains("tiny2zebra"))
        #expect(list.output.contains("installed"))
    }

    @Test func unreachableURLFailsWithAHintAndStatus1() throws {
        let s = try Scratch(); defer { s.cleanUp() }
        let server = try LocalHTTPServer(routes: [:])
        let url = server.baseURL + "/gone.zip"
        server.stop()
        try Data("datasets:\n  - {name: gone, url: \"\(url)\", archive: zip, layout: other}\n".utf8).write(to: s.url("r.yaml"))
        let result = try DatasetsTool.run(["datasets", "fetch", "gone", "--registry", "r.yaml", "--dir", "data"], in: s.root)
        #expect(result.status == 1)
        #expect(result.output.contains(url))
        #expect(result.output.contains("--from FILE"))
    }
}
