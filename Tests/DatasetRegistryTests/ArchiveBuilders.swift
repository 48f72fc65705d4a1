import Foundation
import ZIPFoundation
import DatasetRegistry

/// One entry of a generated test archive.
struct TestEntry {
    enum Kind { case file, directory, symlink, hardlink, characterDevice }
    var path: String
    var kind: Kind = .file
    var data = Data()
    /// Link target for links.
    var link = ""

    static func file(_ path: String, _ text: String) -> TestEntry { TestEntry(path: path, data: Data(text.utf8)) }
    static func file(_ path: String, bytes: Data) -> TestEntry { TestEntry(path: path, data: bytes) }
    static func directory(_ path: String) -> TestEntry { TestEntry(path: path, kind: .directory) }
    static func symlink(_ path: String, to target: String) -> TestEntry { TestEntry(path: path, kind: .symlink, link: target) }
    static func hardlink(_ path: String, to target: String) -> TestEntry { TestEntry(path: path, kind: .hardlink, link: target) }
}

/// A tar writer for tests: ustar headers, GNU `L` long names or pax `path` records for long paths.
enum TarBuilder {
    enum LongNames { case gnu, pax }

    static func header(name: String, type: UInt8, size: Int, link: String = "") -> [UInt8] {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int, _ length: Int) {
            for (i, b) in text.utf8.prefix(length).enumerated() { h[offset + i] = b }
        }
        func octal(_ value: Int, _ offset: Int, _ length: Int) {
            put(String(repeating: "0", count: max(0, length - 1 - String(value, radix: 8).count)) + String(value, radix: 8),
                offset, length - 1)
        }
        put(name, 0, 100)
        octal(type == UInt8(ascii: "5") ? 0o755 : 0o644, 100, 8)
        octal(0, 108, 8); octal(0, 116, 8)
        octal(size, 124, 12)
        octal(0, 136, 12)
        h[156] = type
        put(link, 157, 100)
        put("ustar", 257, 6); put("00", 263, 2)
        for i in 148..<156 { h[i] = 0x20 }
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8), 148, 6)
        h[154] = 0; h[155] = 0x20
        return h
    }

    static func padded(_ data: Data) -> [UInt8] {
        var bytes = [UInt8](data)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: (512 - data.count % 512) % 512))
        return bytes
    }

    static func paxRecord(_ key: String, _ value: String) -> String {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return "\(length)\(body)"
    }

    /// The uncompressed tar stream.
    static func tar(_ entries: [TestEntry], longNames: LongNames = .gnu) -> Data {
        var out = [UInt8]()
        for entry in entries {
            var name = entry.path
            if name.utf8.count > 99 {
                switch longNames {
                case .gnu:
                    let data = Data((name + "\0").utf8)
                    out += header(name: "././@LongLink", type: UInt8(ascii: "L"), size: data.count) + padded(data)
                case .pax:
                    let data = Data(paxRecord("path", name).utf8)
                    out += header(name: "PaxHeader/x", type: UInt8(ascii: "x"), size: data.count) + padded(data)
                }
                name = String(name.prefix(90))
            }
            switch entry.kind {
            case .file:
                out += header(name: name, type: UInt8(ascii: "0"), size: entry.data.count) + padded(entry.data)
            case .directory:
                out += header(name: name, type: UInt8(ascii: "5"), size: 0)
            case .symlink:
                out += header(name: name, type: UInt8(ascii: "2"), size: 0, link: entry.link)
            case .hardlink:
                out += header(name: name, type: UInt8(ascii: "1"), size: 0, link: entry.link)
            case .characterDevice:
                out += header(name: name, type: UInt8(ascii: "3"), size: 0)
            }
        }
        out += [UInt8](repeating: 0, count: 1024)
        return Data(out)
    }

    /// A .tar.gz file.
    static func tarGz(_ entries: [TestEntry], longNames: LongNames = .gnu) -> Data {
        Gzip.compress(tar(entries, longNames: longNames))
    }
}

/// Zip archives for tests, written by ZIPFoundation.
enum ZipBuilder {
    static func zip(_ entries: [TestEntry], at url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        let archive = try Archive(url: url, accessMode: .create)
        for entry in entries {
            let data: Data
            let type: Entry.EntryType
            switch entry.kind {
            case .file: (data, type) = (entry.data, .file)
            case .directory: (data, type) = (Data(), .directory)
            case .symlink: (data, type) = (Data(entry.link.utf8), .symlink)
            case .hardlink, .characterDevice: fatalError("zip has no \(entry.kind) entries")
            }
            try archive.addEntry(with: entry.path, type: type, uncompressedSize: Int64(data.count),
                                 compressionMethod: type == .file ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }

    static func zipData(_ entries: [TestEntry], scratch: URL) throws -> Data {
        let url = scratch.appendingPathComponent("built-\(UUID().uuidString).zip")
        try zip(entries, at: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Data(contentsOf: url)
    }
}

/// A fresh temporary folder per test, removed by `cleanUp()`.
struct Scratch {
    let root: URL
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dataset-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    func cleanUp() { try? FileManager.default.removeItem(at: root) }
    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(url(path).path, &info) == 0
    }
}

/// A small unaligned dataset: `name/{trainA,trainB,testA,testB}/N.png` with `count` tiny files each.
func unalignedEntries(_ name: String, counts: [String: Int]) -> [TestEntry] {
    var entries: [TestEntry] = []
    for (folder, count) in counts.sorted(by: { $0.key < $1.key }) {
        entries.append(.directory("\(name)/\(folder)/"))
        for i in 0..<count {
            // Varied bytes so the archive is not trivially small (the resume test cuts it in half).
            var rng = SystemRandomNumberGenerator()
            let bytes = Data((0..<2048).map { _ in UInt8.random(in: 0...255, using: &rng) })
            entries.append(.file("\(name)/\(folder)/\(i).png", bytes: bytes))
        }
    }
    return entries
}
