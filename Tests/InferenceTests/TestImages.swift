import Foundation
import ImageCodecs
import Layers
import Networks
import Tensors
import TestSupport

/// Small images, trees and checkpoints made by the tests themselves (no large fixtures).
enum TestImages {
    /// A deterministic pattern: sample = (x·37 + y·91 + c·53 + seed) mod (max + 1).
    static func pattern(width: Int, height: Int, channels: Int, sixteenBit: Bool = false, seed: Int = 0) -> PixelBuffer {
        let count = width * height * channels
        if sixteenBit {
            let words = (0..<count).map { i -> UInt16 in
                let (p, c) = (i / channels, i % channels)
                return UInt16(truncatingIfNeeded: ((p % width) * 4099 + (p / width) * 7919 + c * 1543 + seed * 97) % 65536)
            }
            return PixelBuffer(width: width, height: height, channels: channels, words: words)
        }
        let bytes = (0..<count).map { i -> UInt8 in
            let (p, c) = (i / channels, i % channels)
            return UInt8(((p % width) * 37 + (p / width) * 91 + c * 53 + seed * 11) % 256)
        }
        return PixelBuffer(width: width, height: height, channels: channels, bytes: bytes)
    }

    /// A little-endian TIFF block holding only the orientation tag.
    static func exif(orientation: Int) -> ExifData {
        var bytes: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]  // "II", 42, IFD at 8
        bytes += [0x01, 0x00]  // one entry
        bytes += [0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, UInt8(orientation), 0x00, 0x00, 0x00]
        bytes += [0x00, 0x00, 0x00, 0x00]  // no next IFD
        return ExifData(bytes: bytes)
    }

    /// A minimal ICC profile libpng accepts: the 128-byte header (size, version 2.1, monitor class,
    /// `space` ("RGB " or "GRAY") at bytes 16–19, XYZ connection space, "acsp", D50 illuminant), an
    /// empty tag table, then a marker so copies can be recognised.
    static func iccProfile(space: String) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 132)
        func put(_ offset: Int, _ value: [UInt8]) { bytes.replaceSubrange(offset..<offset + value.count, with: value) }
        put(8, [0x02, 0x10, 0, 0])
        put(12, Array("mntr".utf8))
        put(16, Array(space.utf8))
        put(20, Array("XYZ ".utf8))
        put(36, Array("acsp".utf8))
        put(68, [0x00, 0x00, 0xF6, 0xD6, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xD3, 0x2D])  // D50 as s15Fixed16
        bytes += Array("translate test profile".utf8)
        let count = UInt32(bytes.count)
        put(0, [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)])
        return bytes
    }

    /// Encodes `pixels` as the file's extension says and writes it, creating folders.
    static func write(_ pixels: PixelBuffer, to path: String, exif: ExifData? = nil, icc: [UInt8]? = nil) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let format: ImageFormat = path.lowercased().hasSuffix(".png") ? .png : .jpeg
        let bytes = try ImageEncoder.encode(pixels, as: format, exif: exif, iccProfile: icc)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// A fresh empty folder under the temporary directory.
    static func temporaryFolder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "translate-inference-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A randomly initialised generator (seeded) with its spec.
    static func generator(_ kind: GeneratorKind = .resnet6, baseFilters: Int = 4, inputChannels: Int = 3,
                          outputChannels: Int = 3, seed: UInt64 = 7) -> (NetworkSpec, any Layer) {
        let spec = NetworkSpec.generator(kind, inputChannels: inputChannels, outputChannels: outputChannels,
                                         baseFilters: baseFilters)
        let network = spec.makeNetwork()
        var rng = SeededGenerator(seed: seed)
        initializeWeights(network, using: &rng)
        return (spec, network)
    }

    /// Writes a checkpoint of a random tiny generator and returns its path.
    static func checkpoint(in folder: String, _ kind: GeneratorKind = .resnet6, baseFilters: Int = 4,
                           inputChannels: Int = 3, outputChannels: Int = 3,
                           preprocessing: Preprocessing? = nil) throws -> String {
        let (spec, network) = generator(kind, baseFilters: baseFilters, inputChannels: inputChannels,
                                        outputChannels: outputChannels)
        let path = folder + "/G.safetensors"
        try Checkpoint(network: network, spec: spec, preprocessing: preprocessing).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Relative paths of the regular files under `root`, sorted (hidden ones included when asked).
    static func files(under root: String, includeHidden: Bool = false) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
            let hidden = relative.split(separator: "/").contains { $0.hasPrefix(".") }
            if !isDirectory.boolValue && (includeHidden || !hidden) { result.append(relative) }
        }
        return result.sorted()
    }

    /// Sets the modification time of `path` to `seconds` relative to now.
    static func touch(_ path: String, secondsFromNow seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(seconds)], ofItemAtPath: path)
    }
}
