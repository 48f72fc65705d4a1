/// The EXIF orientation (TIFF tag 0x0112): the transform that turns the stored pixels into the
/// picture as it should be shown. Phones store the sensor's rows and set this tag instead of
/// rotating; a decoder that ignores it hands sideways pictures to training.
///
/// Raw values are the EXIF values 1...8; the transforms are those of Pillow's
/// `ImageOps.exif_transpose`.
public enum ImageOrientation: Int, Sendable, CaseIterable, CustomStringConvertible {
    case normal = 1
    case mirrorHorizontal = 2
    case rotate180 = 3
    case mirrorVertical = 4
    /// Mirror across the top-left to bottom-right diagonal.
    case transpose = 5
    case rotate90Clockwise = 6
    /// Mirror across the top-right to bottom-left diagonal.
    case transverse = 7
    case rotate270Clockwise = 8

    /// True when displaying swaps width and height (values 5 to 8).
    public var swapsDimensions: Bool { rawValue >= 5 }

    public var description: String {
        switch self {
        case .normal: "1 (normal)"
        case .mirrorHorizontal: "2 (mirrored horizontally)"
        case .rotate180: "3 (rotated 180°)"
        case .mirrorVertical: "4 (mirrored vertically)"
        case .transpose: "5 (transposed)"
        case .rotate90Clockwise: "6 (rotate 90° clockwise)"
        case .transverse: "7 (transversed)"
        case .rotate270Clockwise: "8 (rotate 90° counter-clockwise)"
        }
    }

    /// The grid map from display pixels to stored pixels of a `width`×`height` stored image.
    func gridMap(storedWidth w: Int, storedHeight h: Int) -> GridMap {
        switch self {
        case .normal: GridMap(originX: 0, originY: 0, xFromX: 1, xFromY: 0, yFromX: 0, yFromY: 1)
        case .mirrorHorizontal: GridMap(originX: w - 1, originY: 0, xFromX: -1, xFromY: 0, yFromX: 0, yFromY: 1)
        case .rotate180: GridMap(originX: w - 1, originY: h - 1, xFromX: -1, xFromY: 0, yFromX: 0, yFromY: -1)
        case .mirrorVertical: GridMap(originX: 0, originY: h - 1, xFromX: 1, xFromY: 0, yFromX: 0, yFromY: -1)
        // Display (x, y) shows stored (y, x).
        case .transpose: GridMap(originX: 0, originY: 0, xFromX: 0, xFromY: 1, yFromX: 1, yFromY: 0)
        // Display (x, y) shows stored (y, h-1-x): the stored bottom-left corner ends up top-left.
        case .rotate90Clockwise: GridMap(originX: 0, originY: h - 1, xFromX: 0, xFromY: 1, yFromX: -1, yFromY: 0)
        // Display (x, y) shows stored (w-1-y, h-1-x).
        case .transverse: GridMap(originX: w - 1, originY: h - 1, xFromX: 0, xFromY: -1, yFromX: -1, yFromY: 0)
        // Display (x, y) shows stored (w-1-y, x): the stored top-right corner ends up top-left.
        case .rotate270Clockwise: GridMap(originX: w - 1, originY: 0, xFromX: 0, xFromY: -1, yFromX: 1, yFromY: 0)
        }
    }
}

extension PixelBuffer {
    /// The picture as it should be displayed when the file says `orientation`.
    public func oriented(_ orientation: ImageOrientation) -> PixelBuffer {
        if orientation == .normal { return self }
        let (w, h) = orientation.swapsDimensions ? (height, width) : (width, height)
        return remapped(width: w, height: h, map: orientation.gridMap(storedWidth: width, storedHeight: height))
    }
}

/// The EXIF block of an image: the bytes from the TIFF header on (JPEG APP1 after "Exif\0\0",
/// PNG eXIf), read just far enough to find the orientation. Malformed blocks yield no orientation.
public struct ExifData: Sendable, Equatable {
    /// The raw bytes, TIFF header onwards, as they go back into APP1 / eXIf when writing.
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// The orientation tag of IFD0, or nil when absent, out of range or unreadable.
    public var orientation: ImageOrientation? {
        guard let offset = orientationValueOffset, let reader = TIFFReader(bytes) else { return nil }
        return reader.uint16(at: offset).flatMap { ImageOrientation(rawValue: Int($0)) }
    }

    /// The same block with the orientation tag set to 1 (normal), for writing next to pixels that
    /// have already been turned upright; unchanged when it has no orientation tag.
    public func withNormalOrientation() -> ExifData {
        guard let offset = orientationValueOffset, let reader = TIFFReader(bytes) else { return self }
        var copy = self
        if reader.bigEndian {
            copy.bytes[offset] = 0
            copy.bytes[offset + 1] = 1
        } else {
            copy.bytes[offset] = 1
            copy.bytes[offset + 1] = 0
        }
        return copy
    }

    /// Byte offset of the orientation entry's SHORT value in IFD0.
    private var orientationValueOffset: Int? {
        guard let reader = TIFFReader(bytes), let ifd = reader.uint32(at: 4).map(Int.init),
            let entryCount = reader.uint16(at: ifd).map(Int.init)
        else { return nil }
        for entry in 0..<entryCount {
            let base = ifd + 2 + entry * 12
            guard let tag = reader.uint16(at: base), let type = reader.uint16(at: base + 2),
                let count = reader.uint32(at: base + 4)
            else { return nil }
            // Orientation is one SHORT (type 3), stored in the first two bytes of the value field.
            if tag == 0x0112 {
                guard type == 3, count == 1, base + 10 <= bytes.count else { return nil }
                return base + 8
            }
        }
        return nil
    }
}

/// Bounds-checked reads of a TIFF structure in either byte order.
private struct TIFFReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 8 else { return nil }
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): bigEndian = false  // "II"
        case (0x4D, 0x4D): bigEndian = true  // "MM"
        default: return nil
        }
        self.bytes = bytes
        guard uint16(at: 2) == 42 else { return nil }
    }

    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= bytes.count else { return nil }
        let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
        return bigEndian ? (a << 8 | b) : (b << 8 | a)
    }

    func uint32(at offset: Int) -> UInt32? {
        guard let first = uint16(at: offset), let second = uint16(at: offset + 2) else { return nil }
        return bigEndian ? (UInt32(first) << 16 | UInt32(second)) : (UInt32(second) << 16 | UInt32(first))
    }
}
