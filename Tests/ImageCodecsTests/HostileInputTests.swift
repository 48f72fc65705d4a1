import Foundation
import ImageCodecs
import Testing

/// Random and damaged bytes never crash the process: every input decodes or throws an
/// `ImageCodecError`. (A crash here takes the whole test run down, which is the failure.)
@Suite struct HostileInputTests {
    /// xorshift64*, so the damage is the same on every run.
    struct Bytes {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static let validFiles = CodecFixtures.manifest.files.filter { $0.expect == "ok" }.map(\.name)

    /// Decodes and checks the outcome is a buffer of the promised geometry or a codec error.
    static func survive(_ bytes: [UInt8], options: DecodeOptions = DecodeOptions(maxPixels: 4_000_000)) -> Bool {
        do {
            let image = try ImageDecoder.decode(bytes, options: options)
            let p = image.pixels
            return p.width > 0 && p.height > 0 && p.width * p.height <= options.maxPixels
        } catch is ImageCodecError {
            return true
        } catch {
            return false
        }
    }

    @Test(arguments: validFiles)
    func bitFlippedFilesNeverCrash(_ name: String) throws {
        let original = try CodecFixtures.bytes(name)
        var random = Bytes(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(name.utf8.count * 7919 + Int(original.count)))
        for round in 0..<(ProcessInfo.processInfo.environment["FUZZ_ROUNDS"].flatMap(Int.init) ?? 60) {
            var damaged = original
            // 1 to 8 flipped bits; every tenth round also cuts the file short.
            for _ in 0..<(1 + random.below(8)) {
                let at = random.below(damaged.count)
                damaged[at] ^= UInt8(1 << random.below(8))
            }
            if round % 10 == 9 { damaged.removeLast(random.below(damaged.count - 1)) }
            #expect(Self.survive(damaged), "\(name) round \(round)")
        }
    }

    @Test func randomBytesNeverCrash() {
        var random = Bytes(state: 42)
        for round in 0..<300 {
            let count = 1 + random.below(2048)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            // Give both decoders a real signature so the data reach libjpeg and libpng.
            switch round % 3 {
            case 0: bytes = [0xFF, 0xD8, 0xFF] + bytes
            case 1: bytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + bytes
            default: break
            }
            #expect(Self.survive(bytes), "round \(round)")
        }
    }

    @Test func everyPrefixOfAJPEGAndAPNGIsHandled() throws {
        for name in ["jpeg_progressive.jpg", "png_rgb8_interlaced.png"] {
            let original = try CodecFixtures.bytes(name)
            for length in stride(from: 0, to: original.count, by: max(1, original.count / 97)) {
                #expect(Self.survive(Array(original.prefix(length))), "\(name) cut at \(length)")
            }
        }
    }

    @Test func decoderIsReusableAfterErrors() throws {
        // Errors leave no state behind: a good file decodes right after bad ones.
        let good = try CodecFixtures.bytes("jpeg_baseline420.jpg")
        let expected = try ImageDecoder.decode(good).pixels
        for name in ["jpeg_garbage.jpg", "jpeg_12bit.jpg", "png_bad_crc.png", "notes.jpg"] {
            _ = try? ImageDecoder.decode(try CodecFixtures.bytes(name))
            #expect(try ImageDecoder.decode(good).pixels == expected)
        }
    }
}
