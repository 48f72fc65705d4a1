import Foundation

/// Errors reading a safetensors file: always name the file and say what is wrong.
public struct SafeTensorsError: Error, CustomStringConvertible {
    public var message: String
    public var path: String?
    public init(_ message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }
    public var description: String { "\(path ?? "<memory>"): \(message)" }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {String: String}}`,
/// then the raw little-endian tensor bytes. Python's `safetensors` package reads what this writes.
public enum SafeTensors {
    /// Largest header accepted (the reference implementation's limit is 100 MB).
    static let maximumHeaderLength = 100_000_000

    /// A decoded file: tensors by name, in file order, plus the string metadata.
    public struct Contents {
        public var tensors: [(name: String, tensor: Tensor)]
        public var metadata: [String: String]

        public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
            self.tensors = tensors
            self.metadata = metadata
        }

        /// The tensor called `name`, if present.
        public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }
    }

    /// Encodes `contents` as F32 tensors, in the given order, 8-byte aligned as the format requires.
    public static func encode(_ contents: Contents) throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, tensor) in contents.tensors {
            let bytes = tensor.scalarCount * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape.dimensions, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !contents.metadata.isEmpty { header["__metadata__"] = contents.metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad the header with spaces so the data starts 8-byte aligned.
        while (json.count % 8) != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, tensor) in contents.tensors {
            tensor.withUnsafeBufferPointer { buffer in
                // Float is little-endian on every platform this tool builds for.
                data.append(UnsafeBufferPointer(start: UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: UInt8.self),
                                                count: buffer.count * 4))
            }
        }
        return data
    }

    /// Decodes safetensors bytes, validating the header length, every offset, dtype and shape.
    /// F32 is read as is; F16, BF16 and F64 are converted to `Float`.
    public static func decode(_ data: Data, path: String? = nil) throws -> Contents {
        func fail(_ message: String) -> SafeTensorsError { SafeTensorsError(message, path: path) }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, too short to be safetensors") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard headerLength <= UInt64(maximumHeaderLength), 8 + Int(headerLength) <= data.count else {
            throw fail("header length \(headerLength) does not fit in a \(data.count)-byte file (damaged or not safetensors)")
        }
        let headerData = data.subdata(in: (data.startIndex + 8) ..< (data.startIndex + 8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw fail("header is not a JSON object (damaged or not safetensors)")
        }
        let body = data.startIndex + 8 + Int(headerLength)
        let bodyLength = data.count - 8 - Int(headerLength)
        var metadata: [String: String] = [:]
        var entries: [(name: String, begin: Int, tensor: Tensor)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let dictionary = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in dictionary {
                    guard let text = item as? String else { throw fail("metadata \(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shapeValues = info["shape"] as? [Any], let offsets = info["data_offsets"] as? [Any],
                  offsets.count == 2
            else { throw fail("tensor \(name): entry lacks dtype, shape or data_offsets") }
            let dims = try shapeValues.map { item -> Int in
                guard let n = (item as? NSNumber)?.intValue, n >= 0 else { throw fail("tensor \(name): bad shape \(shapeValues)") }
                return n
            }
            guard let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue,
                  begin >= 0, end >= begin, end <= bodyLength
            else { throw fail("tensor \(name): data offsets \(offsets) outside the \(bodyLength)-byte data section") }
            let shape = Shape(dims)
            let width: Int
            switch dtype {
            case "F32": width = 4
            case "F16", "BF16": width = 2
            case "F64": width = 8
            default: throw fail("tensor \(name): dtype \(dtype) is not supported (F32, F16, BF16, F64)")
            }
            guard end - begin == shape.elementCount * width else {
                throw fail("tensor \(name): \(end - begin) bytes for shape \(shape) of \(dtype) (expected \(shape.elementCount * width))")
            }
            let bytes = data.subdata(in: (body + begin) ..< (body + end))
            let tensor = Tensor.build(shape: shape) { out in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<out.count {
                        switch dtype {
                        case "F32": out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                        case "F64": out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
                        case "F16": out[i] = Float(halfBits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                        default: out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                        }
                    }
                }
            }
            entries.append((name, begin, tensor))
        }
        entries.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.name < $1.name) }
        return Contents(tensors: entries.map { ($0.name, $0.tensor) }, metadata: metadata)
    }

    /// Reads and decodes a file.
    public static func read(contentsOf url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw SafeTensorsError("cannot read: \(error.localizedDescription)", path: url.path)
        }
        return try decode(data, path: url.path)
    }

    /// Writes atomically: a temporary file in the same folder, fsync, then rename over `url`.
    public static func write(_ contents: Contents, to url: URL) throws {
        try AtomicFile.write(try encode(contents), to: url)
    }
}

extension Float {
    /// IEEE 754 half-precision bits to `Float`.
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            self = (sign != 0 ? -1 : 1) * Float(mantissa) * 0x1p-24
        } else if exponent == 31 {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else {
            self = Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
        }
    }
}

/// Atomic file replacement: write to `name.tmp-<pid>` beside the target, fsync, rename.
/// A crash leaves either the old file or the new one, never a half-written file.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw SafeTensorsError("cannot create a file in \(directory.path) (does the folder exist and is it writable?)", path: url.path)
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError("writing failed: \(error.localizedDescription)", path: url.path)
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw SafeTensorsError("cannot move the finished file into place: \(reason)", path: url.path)
        }
    }
}
