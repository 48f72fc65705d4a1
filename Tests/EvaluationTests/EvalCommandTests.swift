import Foundation
import TestSupport
import Testing

/// `translate eval` through the built binary (`make test` builds it first): output and exit statuses.
@Suite(.serialized) struct EvalCommandTests {
    /// `translate` beside this test bundle, or `TRANSLATE_BINARY`.
    static let binary: String? = {
        if let explicit = ProcessInfo.processInfo.environment["TRANSLATE_BINARY"] { return explicit }
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            bundle.appendingPathComponent("translate").path,
            bundle.deletingLastPathComponent().appendingPathComponent("translate").path,
        ]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let missingMessage =
        "the translate binary was not found beside the test bundle; run `make test` "
        + "(or `swift build -c release --product translate`) first, or set TRANSLATE_BINARY"

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let path = try #require(binary, Comment(rawValue: missingMessage))
        // Output through files, not pipes: reading a pipe can fail with EINTR in Foundation.
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let stdoutPath = NSTemporaryDirectory() + "eval-stdout-\(tag).txt"
        let stderrPath = NSTemporaryDirectory() + "eval-stderr-\(tag).txt"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        )
    }

    @Test func matchedFoldersPrintTheTableAndExitZero() throws {
        let root = MetricFixtures.root
        let result = try Self.run([
            "eval", "--pred", root + "/pred", "--gt", root + "/gt", "--y-channel",
            "--crop-border", "4", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let images = try #require(json["images"] as? [[String: Any]])
        let expected = try MetricFixtures.load()
        #expect(images.count == 5)
        for image in images {
            let name = try #require(image["name"] as? String)
            let values = try #require(expected[name]?.settings["y_crop4"])
            #expect(abs((image["psnr"] as? Double ?? 0) - values.psnr) < 1e-6, "\(name)")
            #expect(abs((image["ssim"] as? Double ?? 0) - values.ssim) < 1e-6, "\(name)")
        }
        let table = try Self.run(["eval", "--pred", root + "/pred", "--gt", root + "/gt", "--metric", "psnr"])
        #expect(table.status == 0 && table.stdout.hasPrefix("image") && table.stdout.contains("mean (5)"))
        #expect(!table.stdout.contains("SSIM"))
    }

    @Test func aMissingPairExitsOneAndIsNamed() throws {
        let root = MetricFixtures.root
        // The gt folder against the sub folder of predictions: only sub/odd... has no match by relative path.
        let result = try Self.run(["eval", "--pred", root + "/pred/sub", "--gt", root + "/gt"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no prediction for rgb.png"), "\(result.stderr)")
        #expect(result.stderr.contains("no ground truth for odd.png"), "\(result.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        let root = MetricFixtures.root
        for arguments in [
            ["eval", "--pred", root + "/pred", "--gt", root + "/gt", "--metric", "lpips"],
            ["eval", "--pred", root + "/pred", "--gt", root + "/gt", "--crop-border", "-1"],
            ["eval", "--pred", root + "/missing", "--gt", root + "/gt"],
            ["eval", "--pred", root + "/pred/rgb.png", "--gt", root + "/gt"],
            ["eval", "--gt", root + "/gt"],
        ] {
            let result = try Self.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
