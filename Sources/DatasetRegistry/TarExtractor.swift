import Foundation

/// Extracts a tar stream (POSIX ustar, GNU long names `L`/`K`, pax `path`/`linkpath`/`size`) into an
/// `ExtractionTarget`, which checks every path and counts every byte.
package struct TarExtractor {
    /// Size of tar headers and of the padding unit.
    static let block = 512
    /// Largest GNU long name or pax header read into memory.
    static let maxMetadataSize = 1 << 20

    private let source: ByteSource
    private let target: ExtractionTarget
    private var buffer = Data()
    private var ended = false
    /// All bytes consumed from the stream, headers and padding included.
    private var consumed: Int64 = 0

    package init(source: ByteSource, target: ExtractionTarget) {
        self.source = source
        self.target = target
    }

    private func corrupt(_ message: String) -> DatasetError {
        DatasetError(.corrupt, "not a valid tar archive: \(message)", path: target.archivePath)
    }

    // MARK: - Stream

    /// Fills the buffer to at least `count` bytes unless the stream ends.
    private mutating func fill(_ count: Int) throws {
        while buffer.count < count && !ended {
            let chunk = try source.read(upTo: Swift.max(1 << 16, count - buffer.count))
            if chunk.isEmpty { ended = true } else { buffer.append(chunk) }
        }
    }

    /// The next `count` bytes, or nil at a clean end of stream (nothing left).
    private mutating func take(_ count: Int) throws -> Data? {
        try fill(count)
        if buffer.isEmpty { return nil }
        guard buffer.count >= count else { throw corrupt("the archive ends in the middle of an entry") }
        let result = Data(buffer.prefix(count))
        buffer.removeFirst(count)
        consumed += Int64(count)
        // Headers and padding count too (a stream of empty entries is a bomb of its own).
        let overhead = Int64(target.limits.maxEntries) * 3 * Int64(Self.block)
        if consumed > target.limits.maxBytes + overhead {
            throw DatasetError(.unsafe, "the archive expands to more than \(target.limits.maxBytes) bytes (limit); "
                               + "it may be a gzip bomb; nothing was installed", path: target.archivePath)
        }
        return result
    }

    /// Streams `size` bytes of entry data (then its padding) to `body`, chunk by chunk.
    private mutating func readData(_ size: Int64, _ body: (Data) throws -> Void) throws {
        var remaining = size
        while remaining > 0 {
            let n = Int(Swift.min(remaining, 1 << 16))
            guard let chunk = try take(n) else { throw corrupt("the archive ends in the middle of an entry") }
            try body(chunk)
            remaining -= Int64(n)
        }
        let padding = Int((Int64(Self.block) - size % Int64(Self.block)) % Int64(Self.block))
        if padding > 0, try take(padding) == nil { throw corrupt("the archive ends in an entry's padding") }
    }

    private mutating func readSmall(_ size: Int64, what: String) throws -> Data {
        guard size <= Int64(Self.maxMetadataSize) else {
            throw DatasetError(.unsafe, "a \(what) of \(size) bytes is over the \(Self.maxMetadataSize)-byte limit",
                               path: target.archivePath)
        }
        var data = Data()
        try readData(size) { data.append($0) }
        return data
    }

    // MARK: - Header fields

    /// A NUL-terminated text field.
    static func text(_ h: [UInt8], _ offset: Int, _ length: Int) -> String {
        let bytes = h[offset..<offset + length].prefix(while: { $0 != 0 })
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An octal number field, or GNU base-256 when the high bit of the first byte is set.
    static func number(_ h: [UInt8], _ offset: Int, _ length: Int) -> Int64? {
        let field = h[offset..<offset + length]
        if let first = field.first, first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // negative or too large
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value < (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        let digits = field.prefix(while: { $0 != 0 }).filter { $0 != 0x20 }
        if digits.isEmpty { return 0 }
        var value: Int64 = 0
        for d in digits {
            guard (0x30...0x37).contains(d), value < (Int64.max >> 3) else { return nil }
            value = value << 3 | Int64(d - 0x30)
        }
        return value
    }

    /// pax extended header records: "<length> <key>=<value>\n".
    static func paxRecords(_ data: Data) -> [String: String]? {
        var records: [String: String] = [:]
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            guard let space = bytes[i...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: bytes[i..<space], as: UTF8.self)),
                  length > space - i, i + length <= bytes.count else { return nil }
            let record = bytes[(space + 1)..<(i + length - 1)]  // without the trailing newline
            guard let equals = record.firstIndex(of: 0x3D) else { return nil }
            records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] =
                String(decoding: record[(equals + 1)...], as: UTF8.self)
            i += length
        }
        return records
    }

    // MARK: - Entries

    /// Extracts every entry.
    package mutating func extractAll() throws {
        var longName: String?
        var longLink: String?
        var pax: [String: String] = [:]
        while true {
            guard let headerData = try take(Self.block) else { return }  // end without the zero blocks
            let h = [UInt8](headerData)
            if h.allSatisfy({ $0 == 0 }) { return }  // end-of-archive marker
            guard let stored = Self.number(h, 148, 8) else { throw corrupt("a header has an unreadable checksum") }
            var unsigned: Int64 = 0
            var signed: Int64 = 0
            for (i, byte) in h.enumerated() {
                let b = (148..<156).contains(i) ? 0x20 : byte
                unsigned += Int64(b)
                signed += Int64(Int8(bitPattern: b))
            }
            guard stored == unsigned || stored == signed else {
                throw corrupt(consumed == Int64(Self.block) ? "the first header's checksum is wrong (is it a tar file?)"
                                                            : "a header's checksum is wrong")
            }
            let type = h[156]
            let magic = Self.text(h, 257, 6)
            var name = Self.text(h, 0, 100)
            // POSIX ustar splits long names into prefix/name; GNU tar uses those bytes otherwise.
            if magic == "ustar" && h[263] == 0x30 && h[264] == 0x30 {
                let prefix = Self.text(h, 345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            var link = Self.text(h, 157, 100)
            guard var size = Self.number(h, 124, 12) else { throw corrupt("entry '\(name)' has an unreadable size") }
            if let paxSize = pax["size"] {
                guard let s = Int64(paxSize), s >= 0 else { throw corrupt("entry '\(name)' has pax size '\(paxSize)'") }
                size = s
            }
            if let n = pax["path"] ?? longName { name = n }
            if let l = pax["linkpath"] ?? longLink { link = l }

            switch type {
            case UInt8(ascii: "L"):
                let data = try readSmall(size, what: "GNU long name")
                longName = String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
                continue
            case UInt8(ascii: "K"):
                let data = try readSmall(size, what: "GNU long link")
                longLink = String(decoding: data.prefix(while: { $0 != 0 }), as: UTF8.self)
                continue
            case UInt8(ascii: "x"):
                guard let records = Self.paxRecords(try readSmall(size, what: "pax header")) else {
                    throw corrupt("entry after '\(name)' has a malformed pax header")
                }
                pax.merge(records) { _, new in new }
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "V"):
                // Global pax defaults and volume labels carry nothing a dataset needs.
                try readData(size) { _ in }
                continue
            default:
                break
            }
            longName = nil
            longLink = nil
            pax = [:]
            try target.beginEntry()

            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                if name.hasSuffix("/") && size == 0 {  // old tars mark folders with a trailing slash
                    try target.makeDirectory(name)
                    continue
                }
                let out = target
                let handle = try out.createFile(name)
                defer { try? handle.close() }
                try readData(size) { try out.write($0, to: handle) }
            case UInt8(ascii: "5"):
                try target.makeDirectory(name)
                try readData(size) { _ in }
            case UInt8(ascii: "2"):
                try target.makeSymlink(name, target: link)
                try readData(size) { _ in }
            case UInt8(ascii: "1"):
                try target.makeHardLink(name, target: link)
                try readData(size) { _ in }
            case UInt8(ascii: "3"): try target.refuseSpecial(name, kind: "character device")
            case UInt8(ascii: "4"): try target.refuseSpecial(name, kind: "block device")
            case UInt8(ascii: "6"): try target.refuseSpecial(name, kind: "FIFO")
            default:
                throw corrupt("entry '\(name)' has type '\(String(UnicodeScalar(type)))', which is not supported")
            }
        }
    }
}
