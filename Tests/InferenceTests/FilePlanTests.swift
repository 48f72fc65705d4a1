import Foundation
import ImageCodecs
import Inference
import Testing

@Suite struct FilePlanTests {
    /// in/ with nested folders, hidden entries, a text file and a GIF-named file.
    func makeTree() throws -> String {
        let root = try TestImages.temporaryFolder("plan")
        let rgb = TestImages.pattern(width: 5, height: 4, channels: 3)
        try TestImages.write(rgb, to: root + "/in/a.jpg")
        try TestImages.write(rgb, to: root + "/in/sub/deeper/b.PNG")
        try TestImages.write(TestImages.pattern(width: 5, height: 4, channels: 4), to: root + "/in/sub/alpha.png")
        try TestImages.write(rgb, to: root + "/in/.hidden.jpg")
        try TestImages.write(rgb, to: root + "/in/.cache/c.jpg")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: root + "/in/readme.txt"))
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: root + "/in/anim.gif"))
        return root
    }

    @Test func walkMirrorsTheTreeAndIgnoresHiddenAndNonImages() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions())
        #expect(plan.files.map(\.relativePath) == ["a.jpg", "sub/alpha.png", "sub/deeper/b.PNG"])
        #expect(plan.files.map(\.output) == [root + "/out/a.jpg", root + "/out/sub/alpha.png", root + "/out/sub/deeper/b.PNG"])
        #expect(plan.files.map(\.format) == [.jpeg, .png, .png])
        #expect(plan.unsupported == ["anim.gif"])
        #expect(plan.ignoredCount == 3)  // .hidden.jpg, .cache/, readme.txt
        #expect(plan.pending.count == 3)
    }

    @Test func formatAndSuffixNameOutputsWithoutDoubleExtensions() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let jpg = try FilePlan.make(input: root + "/in", output: root + "/out",
                                    options: OutputOptions(format: .jpg, suffix: "_fake"))
        // The RGBA PNG stays PNG: JPEG has no alpha.
        #expect(jpg.files.map(\.output) == [root + "/out/a_fake.jpg", root + "/out/sub/alpha_fake.png",
                                            root + "/out/sub/deeper/b_fake.jpg"])
        #expect(jpg.files.map(\.format) == [.jpeg, .png, .jpeg])
        let png = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions(format: .png))
        #expect(png.files.map(\.output).first == root + "/out/a.png")
    }

    @Test func collidingOutputsFailAllButTheFirst() throws {
        let root = try TestImages.temporaryFolder("collide")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rgb = TestImages.pattern(width: 4, height: 4, channels: 3)
        try TestImages.write(rgb, to: root + "/in/a.jpg")
        try TestImages.write(rgb, to: root + "/in/a.png")
        let plan = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions(format: .png))
        #expect(plan.files.map(\.action.isProcess) == [true, false])
        guard case .fail(let reason) = plan.files[1].action else { Issue.record("a.png should fail"); return }
        #expect(reason.contains("also the output of a.jpg"))
    }

    @Test func newerOutputsAreUpToDateUnlessOverwrite() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TestImages.write(TestImages.pattern(width: 2, height: 2, channels: 3), to: root + "/out/a.jpg")
        try TestImages.write(TestImages.pattern(width: 2, height: 2, channels: 3), to: root + "/out/sub/alpha.png")
        try TestImages.touch(root + "/in/a.jpg", secondsFromNow: -100)
        try TestImages.touch(root + "/in/sub/alpha.png", secondsFromNow: 100)  // input edited after the output
        let plan = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions())
        #expect(plan.files.map(\.action) == [.upToDate, .process, .process])
        let forced = try FilePlan.make(input: root + "/in", output: root + "/out", options: OutputOptions(overwrite: true))
        #expect(forced.pending.count == 3)
    }

    @Test func outputFolderInsideTheInputIsNotWalked() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TestImages.write(TestImages.pattern(width: 2, height: 2, channels: 3), to: root + "/in/results/a.jpg")
        let plan = try FilePlan.make(input: root + "/in", output: root + "/in/results", options: OutputOptions())
        #expect(plan.files.map(\.relativePath) == ["a.jpg", "sub/alpha.png", "sub/deeper/b.PNG"])
    }

    @Test func inPlaceNeedsASuffixAndSkipsEarlierOutputs() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: InferenceError.self) {
            try FilePlan.make(input: root + "/in", output: root + "/in", options: OutputOptions(format: .png))
        }
        try TestImages.write(TestImages.pattern(width: 2, height: 2, channels: 3), to: root + "/in/a_x.jpg")
        let plan = try FilePlan.make(input: root + "/in", output: root + "/in/", options: OutputOptions(suffix: "_x"))
        // a_x.jpg is a.jpg's output from an earlier run, not an input.
        #expect(plan.files.map(\.relativePath) == ["a.jpg", "sub/alpha.png", "sub/deeper/b.PNG"])
    }

    @Test func singleFileGoesToAFileOrIntoAFolder() throws {
        let root = try makeTree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let toFile = try FilePlan.make(input: root + "/in/a.jpg", output: root + "/x.png", options: OutputOptions())
        #expect(toFile.files.map(\.output) == [root + "/x.png"] && toFile.files[0].format == .png)
        let toFolder = try FilePlan.make(input: root + "/in/a.jpg", output: root + "/out", options: OutputOptions(suffix: "_y"))
        #expect(toFolder.files.map(\.output) == [root + "/out/a_y.jpg"])
        #expect(throws: InferenceError.self) {
            try FilePlan.make(input: root + "/in/a.jpg", output: root + "/in/a.jpg", options: OutputOptions())
        }
        #expect(throws: InferenceError.self) {
            try FilePlan.make(input: root + "/missing", output: root + "/out", options: OutputOptions())
        }
        #expect(throws: InferenceError.self) {
            try FilePlan.make(input: root + "/in", output: root + "/in/a.jpg", options: OutputOptions())
        }
    }

    @Test func probeReadsFormatAndTransparencyFromTheHeader() throws {
        let root = try TestImages.temporaryFolder("probe")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try TestImages.write(TestImages.pattern(width: 3, height: 3, channels: 2), to: root + "/ga.png")
        try TestImages.write(TestImages.pattern(width: 3, height: 3, channels: 1), to: root + "/g.png")
        try TestImages.write(TestImages.pattern(width: 3, height: 3, channels: 3), to: root + "/named.jpg.png")
        try FileManager.default.moveItem(atPath: root + "/named.jpg.png", toPath: root + "/png-content.jpg")
        #expect(ImageProbe.probe(root + "/ga.png") == ImageProbe(format: .png, hasAlpha: true))
        #expect(ImageProbe.probe(root + "/g.png") == ImageProbe(format: .png, hasAlpha: false))
        #expect(ImageProbe.probe(root + "/png-content.jpg")?.format == .png)
        #expect(ImageProbe.probe(root + "/missing.png") == nil)
        // "same" follows the content: a PNG named .jpg is written as .png.
        let plan = try FilePlan.make(input: root + "/png-content.jpg", output: root + "/out", options: OutputOptions())
        #expect(plan.files[0].output == root + "/out/png-content.png")
    }
}

extension PlannedFile.Action {
    var isProcess: Bool { self == .process }
}
