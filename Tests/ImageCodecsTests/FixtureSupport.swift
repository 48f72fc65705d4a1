import Foundation
import ImageCodecs
import TestSupport

/// The edge-case image set made by scripts/make_codec_fixtures.py, with its manifest.
enum CodecFixtures {
    struct Entry: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var expect: String  // "ok", "damaged" or "error"
        var width: Int?
        var height: Int?
        var channels: Int?
        var checksum: String?
        var checksum16: String?
        var orientation: Int?
        var hasExif: Bool?
        var hasICC: Bool?
        var warning: String?
        var format: String?
        var progressive: Bool?
        var code: String?
        var note: String?

        var description: String { name }
    }

    struct Resize: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var filter: String
        var channels: Int
        var width: Int
        var height: Int
        var description: String { name }
    }

    struct References: Decodable {
        struct Lab: Decodable { var source, lab, grid, rgbOfGrid: String; var gridCount: Int }
        struct Gray: Decodable { var source, gray: String }
        var resize: [Resize]
        var lab: Lab
        var gray: Gray
    }

    struct Manifest: Decodable {
        var files: [Entry]
        var references: References
    }

    static let manifest: Manifest = {
        // Tests may trap on their own fixtures.
        let data = try! Data(contentsOf: Fixtures.url("images/manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()

    static func path(_ name: String) -> String { Fixtures.url("images/" + name).path }
    static func referencePath(_ name: String) -> String { Fixtures.url("images/reference/" + name).path }

    /// The file's bytes, read without ImageFile's checks (which refuse an empty file).
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Little-endian float32 file.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: referencePath(name)))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
            }
        }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
