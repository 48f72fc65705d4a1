import Foundation
import ImageCodecs
import ImageDatasets
import Testing

@Suite struct ImageFolderTests {
    @Test func naturalOrderComparesNumbersByValue() {
        let names = ["a10.jpg", "a2.jpg", "a1.jpg", "A3.jpg", "b.jpg", "a02.jpg", "a2b.jpg"]
        #expect(
            names.sorted(by: NaturalOrder.precedes) == [
                "a1.jpg", "a02.jpg", "a2.jpg", "a2b.jpg", "A3.jpg", "a10.jpg", "b.jpg",
            ])
        // Folders keep their files together and sort naturally too.
        let paths = ["x/dir10/a.jpg", "x/dir2/b.jpg", "x/dir2/a.jpg"]
        #expect(paths.sorted(by: NaturalOrder.precedes) == ["x/dir2/a.jpg", "x/dir2/b.jpg", "x/dir10/a.jpg"])
        // Huge digit runs do not overflow.
        #expect(NaturalOrder.precedes("img99999999999999999999998.png", "img99999999999999999999999.png"))
    }

    @Test func scanFindsImagesAndIgnoresClutter() throws {
        let folder = TemporaryFolder()
        folder.image("img10.jpg", width: 8, height: 8)
        folder.image("img2.JPG", width: 8, height: 8)
        folder.image("sub/img1.png", width: 8, height: 8)
        folder.image("sub/deeper/photo.Jpeg", width: 8, height: 8)
        folder.image(".hidden.jpg", width: 8, height: 8)
        folder.image(".git/x.png", width: 8, height: 8)
        folder.image("__MACOSX/x.jpg", width: 8, height: 8)
        folder.file("Thumbs.db", bytes: [1, 2, 3])
        folder.file("notes.txt", bytes: Array("hello".utf8))
        folder.file("clip.gif", bytes: Array("GIF89a".utf8))
        // A symbolic link back to the root (a loop) and a dangling one.
        try FileManager.default.createSymbolicLink(atPath: folder.url("sub/loop"), withDestinationPath: folder.path)
        try FileManager.default.createSymbolicLink(
            atPath: folder.url("gone.jpg"), withDestinationPath: folder.url("missing.jpg"))
        let listing = try ImageFolder.scan(folder.path)
        let relative = listing.files.map { String($0.dropFirst(folder.path.count + 1)) }
        #expect(relative == ["img2.JPG", "img10.jpg", "sub/deeper/photo.Jpeg", "sub/img1.png"])
        let skipped = Set(listing.skipped.map { String($0.path.dropFirst(folder.path.count + 1)) })
        #expect(skipped == ["clip.gif", "gone.jpg"])
        let flat = try ImageFolder.scan(folder.path, recursive: false)
        #expect(flat.files.count == 2)
    }

    @Test func missingFolderIsAnError() {
        do {
            _ = try ImageFolder.scan("/no/such/folder")
            Issue.record("scanned a missing folder")
        } catch let error as ImageDatasetError {
            #expect(error.code == .missingFolder && error.path == "/no/such/folder")
        } catch { Issue.record("\(error)") }
    }

    @Test func unusableFilesAreSkippedWithOneWarningEach() throws {
        let folder = TemporaryFolder()
        folder.image("good.jpg", width: 16, height: 16)
        folder.file("empty.jpg", bytes: [])
        folder.file("text.jpg", bytes: Array("not an image at all".utf8))
        let log = WarningLog()
        let dataset = try SingleFolderDataset(
            directory: folder.path, options: DatasetOptions(), diagnostics: log.diagnostics())
        #expect(dataset.files == [folder.url("good.jpg")])
        #expect(log.lines.count == 2)
        #expect(log.lines.contains { $0.contains("empty.jpg") && $0.contains("empty") })
        #expect(log.lines.contains { $0.contains("text.jpg") && $0.contains("not a JPEG or PNG") })
    }

    @Test func aFolderWithoutUsableImagesIsAnError() {
        let folder = TemporaryFolder()
        folder.file("empty.jpg", bytes: [])
        folder.file("readme.md", bytes: Array("# hi".utf8))
        let log = WarningLog()
        do {
            _ = try SingleFolderDataset(directory: folder.path, diagnostics: log.diagnostics())
            Issue.record("built a dataset with no images")
        } catch let error as ImageDatasetError {
            #expect(error.code == .noUsableImages)
            #expect(error.path == folder.path)
        } catch { Issue.record("\(error)") }
    }

    @Test func maxDatasetSizeKeepsTheFirstFiles() throws {
        let folder = TemporaryFolder()
        for i in 1...5 { folder.image("\(i).png", width: 8, height: 8) }
        var options = DatasetOptions()
        options.maxDatasetSize = 3
        let dataset = try SingleFolderDataset(directory: folder.path, options: options)
        #expect(dataset.files.map { ($0 as NSString).lastPathComponent } == ["1.png", "2.png", "3.png"])
    }
}
