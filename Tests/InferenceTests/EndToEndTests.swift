import Foundation
import ImageCodecs
import Inference
import Networks
import Testing

/// Runs the built `translate` binary (`make test` builds it first; `swift test` alone builds it too).
enum ToolBinary {
    /// `translate` beside this test bundle (the build products folder), or `TRANSLATE_BINARY`.
    static let path: String? = {
        if let explicit = ProcessInfo.processInfo.environment["TRANSLATE_BINARY"] { return explicit }
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [bundle.appendingPathComponent("translate").path,
                          bundle.deletingLastPathComponent().appendingPathComponent("translate").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let missingMessage = "the translate binary was not found beside the test bundle; run `make test` "
        + "(or `swift build -c release --product translate`) first, or set TRANSLATE_BINARY"

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs the tool with one thread and waits.
    static func run(_ arguments: [String]) throws -> Result {
        let process = try start(arguments, logFolder: NSTemporaryDirectory())
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus,
                      standardOutput: (try? String(contentsOfFile: process.stdout, encoding: .utf8)) ?? "",
                      standardError: (try? String(contentsOfFile: process.stderr, encoding: .utf8)) ?? "")
    }

    /// Starts the tool with one thread, its output going to files in `logFolder`.
    static func start(_ arguments: [String], logFolder: String) throws -> (process: Process, stdout: String, stderr: String) {
        guard let path else { throw InferenceError(.io, missingMessage) }
        let tag = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let stdout = logFolder + "/stdout-\(tag).txt", stderr = logFolder + "/stderr-\(tag).txt"
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TRANSLATE_THREADS"] = "1"
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: stdout)
        process.standardError = FileHandle(forWritingAtPath: stderr)
        try process.run()
        return (process, stdout, stderr)
    }
}

/// Not skipped when the binary is missing: every test then fails with `ToolBinary.missingMessage`
/// (`make test` and CI build the binary first).
@Suite(.serialized)
struct EndToEndTests {
    @Test func theToolBinaryIsBuilt() {
        #expect(ToolBinary.path != nil, Comment(rawValue: ToolBinary.missingMessage))
    }

    /// The mixed tree of issue 7: nested folders, sizes 1×1 to 1000×7, gray, RGBA, 16-bit, EXIF
    /// orientation and ICC, a corrupt JPEG, a text file, a hidden file, an up-to-date output and an
    /// output folder that cannot be created.
    @Test func mixedTreeGivesTheExpectedOutputsSummaryAndStatus() throws {
        let root = try TestImages.temporaryFolder("mixed")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try TestImages.checkpoint(in: root)
        let input = root + "/in", output = root + "/out"
        let icc = TestImages.iccProfile(space: "RGB ")
        try TestImages.write(TestImages.pattern(width: 32, height: 24, channels: 3), to: input + "/photo.jpg",
                             exif: TestImages.exif(orientation: 6), icc: icc)
        try TestImages.write(TestImages.pattern(width: 1, height: 1, channels: 3), to: input + "/nested/deeper/tiny.png")
        try TestImages.write(TestImages.pattern(width: 1000, height: 7, channels: 3), to: input + "/nested/wide.png")
        try TestImages.write(TestImages.pattern(width: 17, height: 9, channels: 1), to: input + "/gray.png")
        let rgba = TestImages.pattern(width: 20, height: 20, channels: 4, seed: 2)
        try TestImages.write(rgba, to: input + "/rgba.png")
        try TestImages.write(TestImages.pattern(width: 13, height: 11, channels: 3, sixteenBit: true), to: input + "/deep16.png")
        // A JPEG cut in the middle of its scan: decodable only with gray filling, so a failure.
        let whole = try ImageEncoder.encode(TestImages.pattern(width: 64, height: 64, channels: 3), as: .jpeg)
        try FileManager.default.createDirectory(atPath: input + "/broken", withIntermediateDirectories: true)
        try Data(whole.prefix(whole.count / 2)).write(to: URL(fileURLWithPath: input + "/broken/corrupt.jpg"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: input + "/notes.txt"))
        try TestImages.write(TestImages.pattern(width: 4, height: 4, channels: 3), to: input + "/.hidden.png")
        try TestImages.write(TestImages.pattern(width: 8, height: 8, channels: 3), to: input + "/uptodate.jpg")
        try TestImages.write(TestImages.pattern(width: 8, height: 8, channels: 3), to: input + "/locked/x.png")
        // Existing outputs: one newer than its input; a file standing where a folder must go.
        try TestImages.write(TestImages.pattern(width: 2, height: 2, channels: 3), to: output + "/uptodate.jpg")
        try TestImages.touch(input + "/uptodate.jpg", secondsFromNow: -60)
        let keptBytes = try Data(contentsOf: URL(fileURLWithPath: output + "/uptodate.jpg"))
        try Data("in the way".utf8).write(to: URL(fileURLWithPath: output + "/locked"))

        let result = try ToolBinary.run(["apply", "--checkpoint", checkpoint, input, output, "--keep-mode"])
        #expect(result.status == 1, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("6 done, 1 skipped (up to date), 2 failed in "),
                "stdout: \(result.standardOutput)")
        #expect(result.standardOutput.contains("2 other files ignored"))  // notes.txt and .hidden.png
        let failureLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("failed: ") }
        #expect(failureLines.count == 2, "stderr: \(result.standardError)")
        #expect(failureLines.contains { $0.hasPrefix("failed: broken/corrupt.jpg: ") })
        #expect(failureLines.contains { $0.hasPrefix("failed: locked/x.png: ") && $0.contains("output folder") })

        #expect(TestImages.files(under: output) == ["deep16.png", "gray.png", "locked", "nested/deeper/tiny.png",
                                                    "nested/wide.png", "photo.jpg", "rgba.png", "uptodate.jpg"])
        #expect(TestImages.files(under: output, includeHidden: true).count == 8)  // no temporary files left
        #expect(try Data(contentsOf: URL(fileURLWithPath: output + "/uptodate.jpg")) == keptBytes)

        func decode(_ name: String) throws -> DecodedImage {
            try ImageDecoder.decode(contentsOf: output + "/" + name, options: DecodeOptions(keep16Bit: true))
        }
        let photo = try decode("photo.jpg")
        #expect(photo.pixels.width == 24 && photo.pixels.height == 32)  // turned upright
        #expect(photo.orientation == .normal && photo.exif != nil)  // EXIF kept, orientation reset to 1
        #expect(photo.iccProfile == icc)
        #expect(try decode("nested/deeper/tiny.png").pixels.width == 1)
        let wide = try decode("nested/wide.png").pixels
        #expect(wide.width == 1000 && wide.height == 7 && wide.channels == 3)
        #expect(try decode("gray.png").pixels.channels == 1)  // --keep-mode
        let rgbaOut = try decode("rgba.png").pixels
        #expect(rgbaOut.channels == 4 && rgbaOut.alphaChannel() == rgba.alphaChannel())
        let deep = try decode("deep16.png").pixels
        #expect(deep.sampleType == .uint16 && deep.width == 13 && deep.height == 11)

        // Running again does nothing new and fails the same two files.
        let again = try ToolBinary.run(["apply", "--checkpoint", checkpoint, input, output, "--keep-mode"])
        #expect(again.status == 1)
        #expect(again.standardOutput.hasPrefix("0 done, 7 skipped (up to date), 2 failed"), "stdout: \(again.standardOutput)")
    }

    /// kill -9 mid-run, run again: only the missing outputs are made, and the folder equals that of
    /// an uninterrupted run byte for byte.
    @Test func killedRunResumesToTheSameBytes() throws {
        let root = try TestImages.temporaryFolder("kill")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try TestImages.checkpoint(in: root, baseFilters: 16)
        let count = 30
        for index in 0..<count {
            let name = String(format: "img%02d", index) + (index % 3 == 0 ? ".png" : ".jpg")
            try TestImages.write(TestImages.pattern(width: 160, height: 128, channels: 3, seed: index),
                                 to: root + "/in/\(index % 2 == 0 ? "even" : "odd")/" + name)
        }
        let arguments = ["apply", "--checkpoint", checkpoint, root + "/in", "--jobs", "1", "--quiet"]

        let started = try ToolBinary.start(arguments + [root + "/killed"], logFolder: root)
        let deadline = Date().addingTimeInterval(120)
        var written = 0
        while Date() < deadline && started.process.isRunning {
            written = TestImages.files(under: root + "/killed").count
            if written >= 5 { break }
            usleep(5_000)
        }
        kill(started.process.processIdentifier, SIGKILL)
        started.process.waitUntilExit()
        let afterKill = TestImages.files(under: root + "/killed")
        #expect(afterKill.count >= 5 && afterKill.count < count, "killed after \(afterKill.count) of \(count) outputs")
        // Whatever was written is whole: every output decodes.
        for name in afterKill {
            #expect(throws: Never.self) { try ImageDecoder.decode(contentsOf: root + "/killed/" + name) }
        }

        let resumed = try ToolBinary.run(arguments + [root + "/killed"])
        #expect(resumed.status == 0, "stderr: \(resumed.standardError)")
        #expect(resumed.standardOutput.hasPrefix("\(count - afterKill.count) done, \(afterKill.count) skipped"),
                "stdout: \(resumed.standardOutput)")
        let clean = try ToolBinary.run(arguments + [root + "/clean"])
        #expect(clean.status == 0)
        #expect(clean.standardOutput.hasPrefix("\(count) done, 0 skipped"))

        let names = TestImages.files(under: root + "/clean")
        #expect(names.count == count)
        #expect(TestImages.files(under: root + "/killed", includeHidden: true) == names)  // temporaries cleaned up
        for name in names {
            let a = try Data(contentsOf: URL(fileURLWithPath: root + "/killed/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: root + "/clean/" + name))
            #expect(a == b, "\(name) differs between the resumed and the clean run")
        }
    }

    @Test func largeImagesRunInTilesAndKeepTheirSize() throws {
        let root = try TestImages.temporaryFolder("tiles")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try TestImages.checkpoint(in: root)
        try TestImages.write(TestImages.pattern(width: 150, height: 90, channels: 3), to: root + "/in/big.png")
        let tiled = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/tiled",
                                        "--tile", "64", "--tile-overlap", "16"])
        #expect(tiled.status == 0, "stderr: \(tiled.standardError)")
        #expect(tiled.standardError.contains("tiles above 64² px"))
        let whole = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/whole", "--tile", "0"])
        #expect(whole.status == 0 && whole.standardError.contains("no tiling"))
        let a = try ImageDecoder.decode(contentsOf: root + "/tiled/big.png").pixels
        let b = try ImageDecoder.decode(contentsOf: root + "/whole/big.png").pixels
        #expect(a.width == 150 && a.height == 90 && b.width == 150 && b.height == 90)
        // Instance norm sees each tile's own statistics, so tiles differ from the whole image, but
        // the blended result stays close to it on average.
        let meanDifference = zip(a.bytes, b.bytes).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(a.bytes.count)
        #expect(meanDifference < 40)
    }

    @Test func metadataIsStrippedOnRequestAndProfilesOnlyGoWhereTheyFit() throws {
        let root = try TestImages.temporaryFolder("metadata")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try TestImages.checkpoint(in: root)
        let rgbProfile = TestImages.iccProfile(space: "RGB "), grayProfile = TestImages.iccProfile(space: "GRAY")
        try TestImages.write(TestImages.pattern(width: 24, height: 16, channels: 3), to: root + "/in/photo.jpg",
                             exif: TestImages.exif(orientation: 8), icc: rgbProfile)
        try TestImages.write(TestImages.pattern(width: 12, height: 8, channels: 1), to: root + "/in/gray.jpg",
                             icc: grayProfile)
        let stripped = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/stripped",
                                           "--strip-metadata"])
        #expect(stripped.status == 0)
        let photo = try ImageDecoder.decode(contentsOf: root + "/stripped/photo.jpg")
        #expect(photo.exif == nil && photo.iccProfile == nil)
        #expect(photo.pixels.width == 16 && photo.pixels.height == 24)  // still turned upright
        // Without --keep-mode the gray input becomes RGB, where its gray profile does not apply.
        let plain = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/plain"])
        #expect(plain.status == 0)
        let gray = try ImageDecoder.decode(contentsOf: root + "/plain/gray.jpg")
        #expect(gray.pixels.channels == 3 && gray.iccProfile == nil)
        #expect(try ImageDecoder.decode(contentsOf: root + "/plain/photo.jpg").iccProfile == rgbProfile)
        // With --keep-mode it stays gray and keeps its profile.
        let kept = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/kept", "--keep-mode"])
        #expect(kept.status == 0)
        let keptGray = try ImageDecoder.decode(contentsOf: root + "/kept/gray.jpg")
        #expect(keptGray.pixels.channels == 1 && keptGray.iccProfile == grayProfile)
    }

    @Test func usageErrorsExitWithStatusTwo() throws {
        let root = try TestImages.temporaryFolder("usage")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let checkpoint = try TestImages.checkpoint(in: root)
        try TestImages.write(TestImages.pattern(width: 8, height: 8, channels: 3), to: root + "/in/a.png")
        let cases: [[String]] = [
            ["apply", "--checkpoint", checkpoint, root + "/missing", root + "/out"],
            ["apply", "--checkpoint", checkpoint, root + "/in", root + "/out", "--no-such-flag"],
            ["apply", "--checkpoint", checkpoint, root + "/in", root + "/out", "--quality", "0"],
            ["apply", "--checkpoint", root + "/missing.safetensors", root + "/in", root + "/out"],
            ["apply", "--checkpoint", checkpoint, root + "/in", root + "/in"],
            ["colorize", "--checkpoint", checkpoint, root + "/in", root + "/out"],
        ]
        for arguments in cases {
            let result = try ToolBinary.run(arguments)
            #expect(result.status == 2, "\(arguments.suffix(3)): status \(result.status), stderr \(result.standardError)")
            #expect(result.standardError.contains("Error: "))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/out"))
        // A damaged checkpoint is a failure, not a usage error.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: root + "/bad.safetensors"))
        let damaged = try ToolBinary.run(["apply", "--checkpoint", root + "/bad.safetensors", root + "/in", root + "/out"])
        #expect(damaged.status == 1 && damaged.standardError.contains("bad.safetensors"))
    }

    @Test func colorizationCheckpointsGoToColorize() throws {
        let root = try TestImages.temporaryFolder("colorize")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var lab = Preprocessing(color: "lab")
        lab.cropSize = 128
        let checkpoint = try TestImages.checkpoint(in: root, .unet128, baseFilters: 2, inputChannels: 1, outputChannels: 2,
                                                   preprocessing: lab)
        try TestImages.write(TestImages.pattern(width: 150, height: 90, channels: 1), to: root + "/in/old.jpg")
        try TestImages.write(TestImages.pattern(width: 40, height: 30, channels: 4), to: root + "/in/sub/logo.png")

        let refused = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/out"])
        #expect(refused.status == 2 && refused.standardError.contains("use `translate colorize`"))

        let result = try ToolBinary.run(["colorize", "--checkpoint", checkpoint, root + "/in", root + "/out"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("2 done, 0 skipped (up to date), 0 failed"))
        let old = try ImageDecoder.decode(contentsOf: root + "/out/old.jpg").pixels
        #expect(old.width == 150 && old.height == 90 && old.channels == 3)  // full resolution, now colour
        let logo = try ImageDecoder.decode(contentsOf: root + "/out/sub/logo.png").pixels
        #expect(logo.channels == 4 && logo.width == 40)
    }
}
