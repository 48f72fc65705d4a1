import Foundation
import ImageCodecs
import Inference
import Networks
import TestSupport
import Testing

/// `translate apply`'s engine on files whose only problem is metadata: translated, not failed;
/// the dropped metadata named in a note.
@Suite struct MetadataNoteTests {
    @Test func metadataProblemsAreNotesAndTheFilesAreTranslated() throws {
        let root = try TestImages.temporaryFolder("metadata-notes")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        for name in ["jpeg_icc_after_sof.jpg", "png_known_incorrect_srgb.png"] {
            try FileManager.default.copyItem(
                atPath: Fixtures.url("images/metadata/" + name).path,
                toPath: root + "/in/" + name)
        }
        let (spec, network) = TestImages.generator()
        let transform = try ImageTransform(spec: spec, preprocessing: Preprocessing(), mode: .translate)
        let plan = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions())
        var lines: [String] = []
        let lock = NSLock()
        let engine = BatchEngine(
            transform: transform, runner: GeneratorRunner(spec: spec, network: network, tileSize: 0),
            output: OutputOptions(), options: BatchOptions(jobs: 1, maxBatch: 1))
        let summary = engine.run(plan) { line in
            lock.lock()
            lines.append(line)
            lock.unlock()
        }
        #expect(summary.done == 2 && summary.failed == 0, "\(lines)")
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.contains { $0.hasPrefix("note: jpeg_icc_after_sof.jpg: unusable ICC profile (bad ICC marker)") },
            "\(lines)")
        #expect(
            lines.contains { $0.hasPrefix("note: png_known_incorrect_srgb.png: ICC profile not written") }, "\(lines)")
        let png = try ImageDecoder.decode(contentsOf: root + "/out/png_known_incorrect_srgb.png")
        #expect(png.pixels.width == 8 && png.pixels.height == 6 && png.iccProfile == nil)
        let jpeg = try ImageDecoder.decode(contentsOf: root + "/out/jpeg_icc_after_sof.jpg")
        #expect(jpeg.pixels.width == 24 && jpeg.pixels.height == 16 && jpeg.iccProfile == nil && jpeg.notes.isEmpty)
    }

    @Test func translateApplyExitsZeroAndNotesTheDroppedMetadata() throws {
        let root = try TestImages.temporaryFolder("metadata-apply")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/in", withIntermediateDirectories: true)
        for name in ["jpeg_icc_after_sof.jpg", "png_known_incorrect_srgb.png"] {
            try FileManager.default.copyItem(
                atPath: Fixtures.url("images/metadata/" + name).path, toPath: root + "/in/" + name)
        }
        let checkpoint = try TestImages.checkpoint(in: root)
        let result = try ToolBinary.run(["apply", "--checkpoint", checkpoint, root + "/in", root + "/out"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("2 done, 0 skipped (up to date), 0 failed"), "\(result.standardOutput)")
        let output = result.standardOutput + result.standardError
        #expect(output.contains("note: jpeg_icc_after_sof.jpg: unusable ICC profile"), "\(output)")
        #expect(output.contains("note: png_known_incorrect_srgb.png: ICC profile not written"), "\(output)")
        #expect(TestImages.files(under: root + "/out") == ["jpeg_icc_after_sof.jpg", "png_known_incorrect_srgb.png"])
    }
}
