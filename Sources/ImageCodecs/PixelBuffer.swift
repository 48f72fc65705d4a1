/// An image in memory: `height` rows of `width` pixels of `channels` interleaved samples (HWC),
/// each sample a `UInt8` or, for 16-bit PNGs decoded with `keep16Bit`, a `UInt16`.
///
/// Channel layouts: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA. Value semantics (copy on write).
public struct PixelBuffer: Sendable, Equatable {
    /// The type of one sample.
    public enum SampleType: Sendable, Equatable {
        case uint8, uint16

        /// 8 or 16.
        public var bitDepth: Int { self == .uint8 ? 8 : 16 }
        /// 255 or 65535.
        public var maximum: Int { self == .uint8 ? 255 : 65535 }
    }

    /// The samples, in one of the two element types.
    public enum Samples: Sendable, Equatable {
        case uint8([UInt8])
        case uint16([UInt16])

        var count: Int {
            switch self {
            case .uint8(let values): values.count
            case .uint16(let values): values.count
            }
        }
    }

    public let width: Int
    public let height: Int
    public let channels: Int
    public private(set) var samples: Samples

    /// A buffer holding `bytes` (HWC, `width·height·channels` of them).
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        PixelBuffer.checkGeometry(width: width, height: height, channels: channels, count: bytes.count)
        self.width = width
        self.height = height
        self.channels = channels
        samples = .uint8(bytes)
    }

    /// A buffer of 16-bit samples (HWC, `width·height·channels` of them).
    public init(width: Int, height: Int, channels: Int, words: [UInt16]) {
        PixelBuffer.checkGeometry(width: width, height: height, channels: channels, count: words.count)
        self.width = width
        self.height = height
        self.channels = channels
        samples = .uint16(words)
    }

    /// A buffer with every sample set to `value` (in the sample type's range).
    public init(width: Int, height: Int, channels: Int, sampleType: SampleType = .uint8, repeating value: Int = 0) {
        precondition(width > 0 && height > 0, "PixelBuffer: empty size \(width)×\(height)")
        precondition(
            (0...sampleType.maximum).contains(value), "PixelBuffer: \(value) is outside 0...\(sampleType.maximum)")
        let count = width * height * channels
        switch sampleType {
        case .uint8:
            self.init(
                width: width, height: height, channels: channels, bytes: [UInt8](repeating: UInt8(value), count: count))
        case .uint16:
            self.init(
                width: width, height: height, channels: channels,
                words: [UInt16](repeating: UInt16(value), count: count))
        }
    }

    init(width: Int, height: Int, channels: Int, samples: Samples) {
        PixelBuffer.checkGeometry(width: width, height: height, channels: channels, count: samples.count)
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }

    private static func checkGeometry(width: Int, height: Int, channels: Int, count: Int) {
        precondition(width > 0 && height > 0, "PixelBuffer: empty size \(width)×\(height)")
        precondition((1...4).contains(channels), "PixelBuffer: \(channels) channels; expected 1 to 4")
        precondition(
            count == width * height * channels,
            "PixelBuffer: \(count) samples do not fill \(width)×\(height)×\(channels)")
    }

    // MARK: - Access

    public var sampleType: SampleType {
        switch samples {
        case .uint8: .uint8
        case .uint16: .uint16
        }
    }

    /// 8 or 16.
    public var bitDepth: Int { sampleType.bitDepth }

    /// Number of pixels.
    public var pixelCount: Int { width * height }

    /// True for gray + alpha and RGBA.
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The 8-bit samples, HWC.
    /// - Precondition: `sampleType == .uint8` (call `convertedTo8Bit()` first when unsure).
    public var bytes: [UInt8] {
        guard case .uint8(let values) = samples else {
            preconditionFailure("PixelBuffer.bytes on a 16-bit buffer; call convertedTo8Bit() first")
        }
        return values
    }

    /// The 16-bit samples, HWC.
    /// - Precondition: `sampleType == .uint16`.
    public var words: [UInt16] {
        guard case .uint16(let values) = samples else {
            preconditionFailure("PixelBuffer.words on an 8-bit buffer")
        }
        return values
    }

    /// Sample `channel` of the pixel at column `x`, row `y`, as an integer.
    public subscript(x: Int, y: Int, channel: Int) -> Int {
        precondition(
            x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
            "PixelBuffer: (\(x), \(y), \(channel)) is outside \(width)×\(height)×\(channels)")
        let index = (y * width + x) * channels + channel
        switch samples {
        case .uint8(let values): return Int(values[index])
        case .uint16(let values): return Int(values[index])
        }
    }

    /// The same image with 8-bit samples; 16-bit values are scaled by 255/65535 and rounded
    /// (as libpng's `png_set_scale_16`).
    public func convertedTo8Bit() -> PixelBuffer {
        guard case .uint16(let values) = samples else { return self }
        // (v·255 + 32767) / 65535, exactly the rounded quotient.
        let bytes = values.map { UInt8((UInt32($0) * 255 + 32767) / 65535) }
        return PixelBuffer(width: width, height: height, channels: channels, bytes: bytes)
    }

    /// The same image with 16-bit samples (v·257, so 255 becomes 65535).
    public func convertedTo16Bit() -> PixelBuffer {
        guard case .uint8(let values) = samples else { return self }
        return PixelBuffer(width: width, height: height, channels: channels, words: values.map { UInt16($0) * 257 })
    }

    /// A 64-bit FNV-1a hash of the samples (16-bit samples as little-endian byte pairs), for
    /// comparing decodes with checksums made elsewhere (scripts/make_codec_fixtures.py).
    public var checksum: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let prime: UInt64 = 0x100_0000_01b3
        switch samples {
        case .uint8(let values):
            for value in values { hash = (hash ^ UInt64(value)) &* prime }
        case .uint16(let values):
            for value in values {
                hash = (hash ^ UInt64(value & 0xFF)) &* prime
                hash = (hash ^ UInt64(value >> 8)) &* prime
            }
        }
        return hash
    }

    // MARK: - Generic helper for the geometric operations

    /// The image resampled on the integer grid: output pixel (x, y) is input pixel
    /// (`map.originX + x·map.xFromX + y·map.xFromY`, `map.originY + x·map.yFromX + y·map.yFromY`).
    /// Crops, flips, transposes and rotations are all such maps.
    func remapped(width outWidth: Int, height outHeight: Int, map: GridMap) -> PixelBuffer {
        switch samples {
        case .uint8(let values):
            return PixelBuffer(
                width: outWidth, height: outHeight, channels: channels,
                bytes: PixelBuffer.remap(
                    values, width: width, channels: channels,
                    outWidth: outWidth, outHeight: outHeight, map: map))
        case .uint16(let values):
            return PixelBuffer(
                width: outWidth, height: outHeight, channels: channels,
                words: PixelBuffer.remap(
                    values, width: width, channels: channels,
                    outWidth: outWidth, outHeight: outHeight, map: map))
        }
    }

    private static func remap<T: FixedWidthInteger>(
        _ source: [T], width: Int, channels: Int, outWidth: Int, outHeight: Int, map: GridMap
    ) -> [T] {
        var result = [T](repeating: 0, count: outWidth * outHeight * channels)
        var o = 0
        for y in 0..<outHeight {
            // Input position of this row's first pixel; it moves by (xFromX, yFromX) per column.
            var sx = map.originX + y * map.xFromY
            var sy = map.originY + y * map.yFromY
            for _ in 0..<outWidth {
                let i = (sy * width + sx) * channels
                for c in 0..<channels { result[o + c] = source[i + c] }
                o += channels
                sx += map.xFromX
                sy += map.yFromX
            }
        }
        return result
    }
}

/// An integer affine map from output pixel coordinates to input pixel coordinates.
struct GridMap {
    var originX: Int, originY: Int
    var xFromX: Int, xFromY: Int
    var yFromX: Int, yFromY: Int
}
