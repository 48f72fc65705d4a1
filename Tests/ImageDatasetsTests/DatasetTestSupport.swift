import Foundation
import ImageCodecs
import ImageDatasets
import Tensors

/// A temporary folder tree of synthetic images, removed when dropped.
final class TemporaryFolder {
    let path: String

    init(_ name: String = #function) {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "datasets-\(safe)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            ).path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func url(_ relative: String) -> String { path + "/" + relative }

    /// Writes a synthetic picture (PNG for .png names, JPEG otherwise) and returns its path.
    @discardableResult
    func image(_ relative: String, width: Int, height: Int, seed: Int = 0, quality: Int = 95) -> String {
        let target = url(relative)
        try! FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try! ImageEncoder.write(
            Synthetic.picture(width: width, height: height, seed: seed), to: target,
            jpeg: JPEGEncodeOptions(quality: quality))
        return target
    }

    /// Writes raw bytes.
    @discardableResult
    func file(_ relative: String, bytes: [UInt8]) -> String {
        let target = url(relative)
        try! FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: target, contents: Data(bytes))
        return target
    }
}

enum Synthetic {
    /// Smooth colour ramps plus a seed-dependent pattern, so different seeds give different images.
    static func picture(width: Int, height: Int, seed: Int) -> PixelBuffer {
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                bytes[i] = UInt8((x * 255) / max(width - 1, 1))
                bytes[i + 1] = UInt8((y * 255) / max(height - 1, 1))
                bytes[i + 2] = UInt8(truncatingIfNeeded: (x * 7 + y * 13 + seed * 37) % 256)
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, bytes: bytes)
    }

    /// Every pixel the same colour.
    static func solid(width: Int, height: Int, rgb: (UInt8, UInt8, UInt8)) -> PixelBuffer {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(width * height * 3)
        for _ in 0..<(width * height) { bytes += [rgb.0, rgb.1, rgb.2] }
        return PixelBuffer(width: width, height: height, channels: 3, bytes: bytes)
    }
}

/// Collects warning lines instead of printing them.
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    func diagnostics() -> DatasetDiagnostics {
        DatasetDiagnostics { [self] line in
            lock.lock()
            storage.append(line)
            lock.unlock()
        }
    }
}
