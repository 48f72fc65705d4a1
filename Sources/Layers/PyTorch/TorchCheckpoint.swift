import Foundation
import Tensors
import ZIPFoundation

// MARK: - Storage and tensor references

/// Element types of torch storages, by the storage class name found in the pickle.
package enum TorchDataType: String, CaseIterable, Sendable {
    case float32 = "FloatStorage", float64 = "DoubleStorage", float16 = "HalfStorage", bfloat16 = "BFloat16Storage"
    case int64 = "LongStorage", int32 = "IntStorage", int16 = "ShortStorage", int8 = "CharStorage"
    case uint8 = "ByteStorage", bool = "BoolStorage"

    package var elementSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Element `index` of little-endian raw bytes as a `Float`.
    func element(_ raw: UnsafeRawBufferPointer, _ index: Int, byteSwapped: Bool) -> Float {
        let at = index * elementSize
        switch self {
        case .float32:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return Float(bitPattern: byteSwapped ? bits.byteSwapped : bits)
        case .float64:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Float(Double(bitPattern: byteSwapped ? bits.byteSwapped : bits))
        case .float16:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return Float(halfPrecisionBits: byteSwapped ? bits.byteSwapped : bits)
        case .bfloat16:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return Float(bitPattern: UInt32(byteSwapped ? bits.byteSwapped : bits) << 16)
        case .int64:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Float(Int64(bitPattern: byteSwapped ? bits.byteSwapped : bits))
        case .int32:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return Float(Int32(bitPattern: byteSwapped ? bits.byteSwapped : bits))
        case .int16:
            let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return Float(Int16(bitPattern: byteSwapped ? bits.byteSwapped : bits))
        case .int8: return Float(Int8(bitPattern: raw[at]))
        case .uint8, .bool: return Float(raw[at])
        }
    }
}

/// A storage named by a persistent id: `('storage', FloatStorage, key, location, numel[, view])`.
package struct TorchStorageReference: Sendable {
    /// The storage's key: the file `data/<key>` in a zip checkpoint, the chunk key in a legacy one.
    package var key: String
    package var dataType: TorchDataType
    /// Elements in the (root) storage.
    package var elementCount: Int
    /// For a legacy storage view, where the view starts in its root storage, in elements.
    package var viewOffset: Int = 0
}

/// A tensor as `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` describes it.
package struct TorchTensorReference: Sendable {
    package var storage: TorchStorageReference
    package var offset: Int
    package var sizes: [Int]
    package var strides: [Int]
}

// MARK: - The allow-list

/// Resolves the few globals a state dict uses and refuses everything else by name.
package struct TorchResolver: PickleResolver {
    let context: String

    package init(context: String) { self.context = context }

    static let rebuilders: Set<String> = [
        "_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_parameter_with_state",
    ]

    package func allowsGlobal(module: String, name: String) -> Bool {
        switch module {
        case "collections": return name == "OrderedDict"
        case "torch._utils": return Self.rebuilders.contains(name)
        // GPU storages (saved without .cpu()) hold the same bytes; their location is ignored.
        case "torch", "torch.cuda": return TorchDataType(rawValue: name) != nil
        default: return false
        }
    }

    private func bad(_ message: String) -> CheckpointError {
        CheckpointError(.corrupt, "\(context): \(message) (the file is damaged or not a PyTorch state dict)")
    }

    private func integers(_ value: PickleValue, _ what: String) throws -> [Int] {
        guard let items = value.tuple else { throw bad("tensor \(what) is a \(value.typeName), not a tuple") }
        return try items.map { item in
            guard let number = item.int, number >= 0 else { throw bad("tensor \(what) holds \(item.typeName)") }
            return number
        }
    }

    package func call(module: String, name: String, arguments: [PickleValue]) throws -> PickleValue {
        switch (module, name) {
        case ("collections", "OrderedDict"):
            let dict = PickleDict()
            // OrderedDict() or OrderedDict([(key, value), …])
            if let pairs = arguments.first?.tuple {
                for pair in pairs {
                    guard let items = pair.tuple, items.count == 2 else { throw bad("OrderedDict item is not a pair") }
                    dict.set(items[0], items[1])
                }
            }
            return .dict(dict)
        case ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_tensor_v2"):
            guard arguments.count >= 4, case .storage(let storage) = arguments[0], let offset = arguments[1].int,
                  offset >= 0
            else { throw bad("\(name) called with unexpected arguments") }
            let sizes = try integers(arguments[2], "size")
            let strides = try integers(arguments[3], "stride")
            guard sizes.count == strides.count else { throw bad("tensor size \(sizes) and stride \(strides) differ in rank") }
            return .tensor(TorchTensorReference(storage: storage, offset: offset, sizes: sizes, strides: strides))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let data = arguments.first, case .tensor = data else { throw bad("\(name) without a tensor") }
            return data
        default:
            throw CheckpointError(.refused, "\(context): refusing to call '\(module).\(name)' (not needed for weights; nothing was executed)")
        }
    }

    package func persistentLoad(_ id: PickleValue) throws -> PickleValue {
        // Zip: ('storage', type, key, location, numel); legacy adds view_metadata (None or (key, offset, size)).
        guard let items = id.tuple, items.count >= 5, items[0].string == "storage" else {
            throw bad("persistent id is not a storage")
        }
        guard case .global(_, let typeName) = items[1], let dataType = TorchDataType(rawValue: typeName) else {
            throw CheckpointError(.unsupported, "\(context): storage type \(items[1].typeName) is not supported")
        }
        let key: String
        switch items[2] {
        case .string(let text): key = text
        case .int(let number): key = String(number)
        default: throw bad("storage key is a \(items[2].typeName)")
        }
        guard let count = items[4].int, count >= 0 else { throw bad("storage size is not a count") }
        var reference = TorchStorageReference(key: key, dataType: dataType, elementCount: count)
        if items.count >= 6, let view = items[5].tuple {
            // A view of a root storage (legacy format): (view_key, offset, view_size).
            guard view.count == 3, let offset = view[1].int, let size = view[2].int, offset >= 0, size >= 0,
                  offset + size <= count
            else { throw bad("storage view metadata is malformed") }
            reference.viewOffset = offset
        }
        return .storage(reference)
    }
}

// MARK: - State dicts

/// The tensors of a PyTorch state dict, in file order, as `Float`.
public struct StateDict {
    public enum Format: String, Sendable {
        /// `torch.save` since PyTorch 1.6: a zip of `data.pkl` and one file per storage.
        case zip
        /// The earlier format: consecutive pickles followed by the raw storages.
        case legacy
    }

    public var entries: [(name: String, tensor: Tensor)]
    public var format: Format
    /// The key of the wrapping dict the weights came from (`params_ema`, `state_dict`), if any.
    public var selectedKey: String?
    /// Names of top-level entries that were not tensors and were skipped.
    public var skipped: [String]

    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }
    public var names: [String] { entries.map(\.name) }
    public var shapes: [String: Shape] { Dictionary(entries.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a }) }
}

/// Reads PyTorch `.pth` files without Python and without running anything they contain: the pickle
/// is interpreted by `Unpickler` with an allow-list of torch names, tensors come from the raw storages.
public enum PyTorchCheckpoint {
    /// Where a wrapped state dict is looked for, in order (BasicSR uses `params_ema`/`params`).
    public static let wrapperKeys = ["params_ema", "params", "state_dict", "model_state_dict", "model", "net_g", "netG",
                                     "generator"]

    /// Legacy files start with this number, pickled as an 80-bit LONG1 (little-endian bytes).
    static let legacyMagic: [UInt8] = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]

    /// Reads the state dict in `url`.
    /// - Parameter key: the entry of a wrapping dict to read (`params`), when the file holds several.
    public static func readStateDict(contentsOf url: URL, key: String? = nil) throws -> StateDict {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw CheckpointError(.io, "cannot read: \(error.localizedDescription)", path: url.path)
        }
        do {
            if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
                return try readZip(url, key: key)
            }
            if data.count > 14, data.starts(with: [0x80, 0x02, 0x8A, 0x0A]),
               Array(data[data.startIndex + 4 ..< data.startIndex + 14]) == legacyMagic {
                return try readLegacy(data, key: key)
            }
            if data.starts(with: Array("PK".utf8)) || data.first == 0x80 {
                throw CheckpointError(.unsupported, "not a torch.save file (no data.pkl, no legacy magic number)")
            }
            throw CheckpointError(.unsupported, "not a PyTorch checkpoint (expected a zip archive from torch.save or the legacy format)")
        } catch let error as CheckpointError {
            throw error.at(url.path)
        }
    }

    // MARK: Zip (PyTorch ≥ 1.6)

    static func readZip(_ url: URL, key: String?) throws -> StateDict {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw CheckpointError(.corrupt, "damaged zip archive: \(error)")
        }
        var entries: [String: Entry] = [:]
        for entry in archive { entries[entry.path] = entry }
        // The top folder is the archive's name at save time; it need not match the file name.
        let pickles = entries.keys.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }.sorted()
        guard let pickleName = pickles.first else {
            if entries.keys.contains(where: { $0.hasSuffix("constants.pkl") || $0.contains("/code/") }) {
                throw CheckpointError(.unsupported, "this is a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead")
            }
            throw CheckpointError(.unsupported, "zip archive without <name>/data.pkl: not a torch.save file")
        }
        let folder = String(pickleName.dropLast("data.pkl".count))

        func read(_ entry: Entry) throws -> Data {
            var bytes = Data(capacity: Int(entry.uncompressedSize))
            do {
                _ = try archive.extract(entry, skipCRC32: false) { bytes.append($0) }
            } catch {
                throw CheckpointError(.corrupt, "cannot extract \(entry.path): \(error)")
            }
            return bytes
        }

        var byteSwapped = false
        if let entry = entries[folder + "byteorder"] {
            let order = String(decoding: try read(entry), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            switch order {
            case "little": byteSwapped = false
            case "big": byteSwapped = true
            default: throw CheckpointError(.corrupt, "\(folder)byteorder says '\(order)'")
            }
        }

        var unpickler = Unpickler(bytes: [UInt8](try read(entries[pickleName]!)), resolver: TorchResolver(context: pickleName),
                                  context: pickleName)
        let root = try unpickler.load()
        var storages: [String: Data] = [:]
        return try makeStateDict(root, format: .zip, key: key) { reference in
            if let cached = storages[reference.key] { return cached }
            guard let entry = entries[folder + "data/" + reference.key] else {
                throw CheckpointError(.corrupt, "storage \(reference.key) is missing from the archive")
            }
            let bytes = try read(entry)
            storages[reference.key] = bytes
            return bytes
        } byteSwapped: { _ in byteSwapped }
    }

    // MARK: Legacy (before PyTorch 1.6)

    static func readLegacy(_ data: Data, key: String?) throws -> StateDict {
        let bytes = [UInt8](data)
        let resolver = TorchResolver(context: "legacy pickle")
        var position = 0
        func next(_ what: String) throws -> PickleValue {
            var unpickler = Unpickler(bytes: bytes, position: position, resolver: resolver, context: what)
            let value = try unpickler.load()
            position = unpickler.position
            return value
        }
        _ = try next("magic number")
        guard let version = try next("protocol version").int, version == 1001 else {
            throw CheckpointError(.unsupported, "legacy torch protocol version is not 1001")
        }
        let info = try next("system info")
        var byteSwapped = false
        if let dict = info.dict, case .bool(let little)? = dict["little_endian"] { byteSwapped = !little }
        let root = try next("state dict")
        guard let keyList = try next("storage keys").tuple else {
            throw CheckpointError(.corrupt, "legacy storage key list is missing")
        }
        // Then each storage in key-list order: an 8-byte element count and the raw elements. Their
        // element sizes come from the storage types seen in the pickle, so collect those first.
        var dataTypes: [String: TorchDataType] = [:]
        collectStorages(root) { dataTypes[$0.key] = $0.dataType }
        var chunks: [String: Data] = [:]
        for item in keyList {
            guard let name = item.string ?? item.int.map(String.init) else {
                throw CheckpointError(.corrupt, "legacy storage key is a \(item.typeName)")
            }
            guard bytes.count - position >= 8 else { throw CheckpointError(.corrupt, "file ends before storage \(name)") }
            var count: UInt64 = 0
            for index in 0..<8 { count |= UInt64(bytes[position + index]) << (8 * UInt64(index)) }
            if byteSwapped { count = count.byteSwapped }
            position += 8
            guard let dataType = dataTypes[name] else {
                throw CheckpointError(.corrupt, "storage \(name) is listed but no tensor uses it")
            }
            guard count <= UInt64(bytes.count - position) / UInt64(dataType.elementSize) else {
                throw CheckpointError(.corrupt, "storage \(name) claims \(count) elements, more than the file holds (truncated?)")
            }
            let length = Int(count) * dataType.elementSize
            chunks[name] = data.subdata(in: data.startIndex + position ..< data.startIndex + position + length)
            position += length
        }
        return try makeStateDict(root, format: .legacy, key: key) { reference in
            guard let chunk = chunks[reference.key] else {
                throw CheckpointError(.corrupt, "storage \(reference.key) is missing from the file")
            }
            return chunk
        } byteSwapped: { _ in byteSwapped }
    }

    private static func collectStorages(_ value: PickleValue, _ body: (TorchStorageReference) -> Void) {
        switch value {
        case .tensor(let tensor): body(tensor.storage)
        case .storage(let storage): body(storage)
        case .dict(let dict): for item in dict.items { collectStorages(item.value, body) }
        case .list(let list): for item in list.items { collectStorages(item, body) }
        case .tuple(let items): for item in items { collectStorages(item, body) }
        default: break
        }
    }

    // MARK: Choosing the state dict and building tensors

    private static func hasTensors(_ dict: PickleDict) -> Bool {
        dict.items.contains { if case .tensor = $0.value { return true } else { return false } }
    }

    static func makeStateDict(
        _ root: PickleValue, format: StateDict.Format, key: String?,
        storage: (TorchStorageReference) throws -> Data, byteSwapped: (TorchStorageReference) -> Bool
    ) throws -> StateDict {
        guard let top = root.dict else {
            throw CheckpointError(.unsupported, "the file holds a \(root.typeName), not a state dict (save model.state_dict())")
        }
        var dict = top
        var selected: String?
        if let key {
            guard let inner = top[key]?.dict else {
                throw CheckpointError(.mismatch, "has no dict under '\(key)'; its top-level keys are \(top.stringKeys.prefix(20))")
            }
            dict = inner
            selected = key
        } else if !hasTensors(top) {
            let nested = top.items.compactMap { item -> (String, PickleDict)? in
                guard let name = item.key.string, let inner = item.value.dict, hasTensors(inner) else { return nil }
                return (name, inner)
            }
            if let preferred = wrapperKeys.lazy.compactMap({ name in nested.first { $0.0 == name } }).first {
                (selected, dict) = preferred
            } else if nested.count == 1 {
                (selected, dict) = nested[0]
            } else if nested.isEmpty {
                throw CheckpointError(.mismatch, "holds no tensors; its top-level keys are \(top.stringKeys.prefix(20))")
            } else {
                throw CheckpointError(.mismatch, "holds several state dicts (\(nested.map(\.0))); choose one with --key")
            }
        }

        var entries: [(name: String, tensor: Tensor)] = []
        var skipped: [String] = []
        for item in dict.items {
            let name: String
            switch item.key {
            case .string(let text): name = text
            case .int(let number): name = String(number)
            default: throw CheckpointError(.corrupt, "state dict key is a \(item.key.typeName)")
            }
            guard case .tensor(let reference) = item.value else {
                skipped.append(name)
                continue
            }
            do {
                entries.append((name, try makeTensor(reference, bytes: try storage(reference.storage),
                                                     byteSwapped: byteSwapped(reference.storage))))
            } catch let error as CheckpointError {
                throw CheckpointError(error.code, "tensor \(name): \(error.message)")
            }
        }
        // DataParallel checkpoints prefix every key with "module."; the reference strips it when saving.
        if !entries.isEmpty, entries.allSatisfy({ $0.name.hasPrefix("module.") }) {
            entries = entries.map { (String($0.name.dropFirst("module.".count)), $0.tensor) }
        }
        return StateDict(entries: entries, format: format, selectedKey: selected, skipped: skipped)
    }

    /// Gathers a (possibly strided) view of a storage into a contiguous `Float` tensor.
    static func makeTensor(_ reference: TorchTensorReference, bytes: Data, byteSwapped: Bool) throws -> Tensor {
        let storage = reference.storage
        let dataType = storage.dataType
        let available = bytes.count / dataType.elementSize
        guard available >= storage.elementCount else {
            throw CheckpointError(.corrupt, "storage \(storage.key) holds \(available) elements, \(storage.elementCount) expected")
        }
        let shape = Shape(reference.sizes)
        let count = shape.elementCount
        if count > 0 {
            // The furthest element the view touches must lie inside the storage.
            var last = storage.viewOffset + reference.offset
            for (size, stride) in zip(reference.sizes, reference.strides) { last += (size - 1) * stride }
            guard last < available else {
                throw CheckpointError(.corrupt, "view (offset \(reference.offset), size \(reference.sizes), stride \(reference.strides)) runs past its \(available)-element storage")
            }
        }
        let rank = reference.sizes.count
        return bytes.withUnsafeBytes { raw in
            Tensor.build(shape: shape) { out in
                guard count > 0 else { return }
                var index = [Int](repeating: 0, count: rank)
                var source = storage.viewOffset + reference.offset
                for flat in 0..<count {
                    out[flat] = dataType.element(raw, source, byteSwapped: byteSwapped)
                    // Odometer over the row-major index; `source` follows the strides.
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += reference.strides[axis]
                        if index[axis] < reference.sizes[axis] { break }
                        source -= reference.strides[axis] * index[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
    }
}

extension Float {
    /// IEEE 754 half-precision bits as a `Float`.
    package init(halfPrecisionBits h: UInt16) {
        let sign: Float = (h >> 15) != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            self = sign * Float(mantissa) * 0x1p-24
        } else if exponent == 31 {
            self = mantissa == 0 ? sign * .infinity : .nan
        } else {
            self = sign * Float(bitPattern: (UInt32(exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
