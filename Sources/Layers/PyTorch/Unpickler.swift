import Foundation

/// A Python value rebuilt by `Unpickler`. Lists and dicts are reference types because the pickle
/// program fills them after memoising them (`EMPTY_DICT, BINPUT, …, SETITEMS`).
package indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits: little-endian two's-complement bytes (the legacy torch magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A reference to an allow-listed global (`collections.OrderedDict`, `torch.FloatStorage`, …).
    case global(module: String, name: String)
    /// A tensor storage named by a persistent id; its bytes live outside the pickle.
    case storage(TorchStorageReference)
    /// A tensor view of a storage, as built by `torch._utils._rebuild_tensor_v2`.
    case tensor(TorchTensorReference)

    package var string: String? { if case .string(let s) = self { return s } else { return nil } }
    package var int: Int? { if case .int(let i) = self { return i } else { return nil } }
    package var dict: PickleDict? { if case .dict(let d) = self { return d } else { return nil } }
    package var tuple: [PickleValue]? {
        switch self {
        case .tuple(let items): return items
        case .list(let list): return list.items
        default: return nil
        }
    }

    /// A short description for error messages: the Python type, not the contents.
    package var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let module, let name): return "\(module).\(name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// A Python list being built by the pickle program.
package final class PickleList {
    package var items: [PickleValue] = []
    package init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict (or `OrderedDict`) in insertion order; keys are usually strings.
package final class PickleDict {
    package private(set) var items: [(key: PickleValue, value: PickleValue)] = []
    private var indexOfString: [String: Int] = [:]

    package init() {}

    package func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let name) = key {
            if let index = indexOfString[name] {
                items[index].value = value
                return
            }
            indexOfString[name] = items.count
        }
        items.append((key, value))
    }

    package subscript(name: String) -> PickleValue? {
        guard let index = indexOfString[name] else { return nil }
        return items[index].value
    }

    /// The string keys, in order (for messages).
    package var stringKeys: [String] { items.compactMap { $0.key.string } }
}

/// What an `Unpickler` may do beyond building plain data: every global, call and persistent id goes
/// through here, so nothing outside the allow-list is ever constructed or run.
package protocol PickleResolver {
    /// Whether `module.name` may be referenced at all. Checked when the GLOBAL opcode is read.
    func allowsGlobal(module: String, name: String) -> Bool
    /// `callable(*arguments)` for an allowed global (REDUCE and NEWOBJ).
    func call(module: String, name: String, arguments: [PickleValue]) throws -> PickleValue
    /// `persistent_load(pid)`: the storage a tensor refers to.
    func persistentLoad(_ id: PickleValue) throws -> PickleValue
}

/// A restricted reader of Python pickles (protocols 0–5) that never executes anything: it is a
/// small stack machine that knows plain data (None, bools, ints, floats, strings, bytes, tuples,
/// lists, dicts) and hands every GLOBAL, REDUCE, NEWOBJ, BUILD and persistent id to a
/// `PickleResolver`, which allows only the few torch names a state dict needs.
package struct Unpickler {
    private let bytes: [UInt8]
    /// The read position; after `load()` it is just past the STOP opcode.
    package private(set) var position: Int
    private let resolver: any PickleResolver
    private let context: String

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    /// - Parameters:
    ///   - bytes: the buffer holding the pickle (it may hold more after it, as legacy torch files do).
    ///   - position: where the pickle starts.
    ///   - context: the name used in error messages ("archive/data.pkl").
    package init(bytes: [UInt8], position: Int = 0, resolver: any PickleResolver, context: String) {
        self.bytes = bytes
        self.position = position
        self.resolver = resolver
        self.context = context
    }

    // MARK: - Reading primitives

    private func corrupt(_ message: String) -> CheckpointError {
        CheckpointError(.corrupt, "\(context): \(message) (the file is damaged or not a PyTorch checkpoint)")
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else {
            throw corrupt("pickle ends early at byte \(position) (needs \(count) more bytes)")
        }
        defer { position += count }
        return bytes[position ..< position + count]
    }

    private mutating func byte() throws -> UInt8 { try take(1).first! }

    /// An unsigned little-endian integer of `count` bytes.
    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (index, b) in try take(count).enumerated() { value |= UInt64(b) << (8 * UInt64(index)) }
        return value
    }

    /// A length field, checked against what is left so a damaged length cannot ask for gigabytes.
    private mutating func length(_ count: Int) throws -> Int {
        let value = try littleEndian(count)
        guard value <= UInt64(bytes.count - position) else {
            throw corrupt("length \(value) at byte \(position - count) runs past the end of the pickle")
        }
        return Int(value)
    }

    /// A text line without its newline (protocol 0 opcodes).
    private mutating func line() throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else { throw corrupt("unterminated text line") }
        let text = String(decoding: bytes[position ..< end], as: UTF8.self)
        position = end + 1
        return text
    }

    private mutating func pop() throws -> PickleValue {
        guard let value = stack.popLast() else { throw corrupt("stack underflow at byte \(position)") }
        if let mark = marks.last, stack.count < mark { throw corrupt("pop across a mark at byte \(position)") }
        return value
    }

    /// Pops everything above the last MARK and the mark itself.
    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast(), mark <= stack.count else { throw corrupt("no MARK before byte \(position)") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func top() throws -> PickleValue {
        guard let value = stack.last else { throw corrupt("empty stack at byte \(position)") }
        return value
    }

    private func string(_ slice: ArraySlice<UInt8>) throws -> String {
        guard let text = String(bytes: slice, encoding: .utf8) else { throw corrupt("invalid UTF-8 string") }
        return text
    }

    /// Two's-complement little-endian bytes as an Int, or `.bigInt` when wider than 64 bits.
    private func integer(_ slice: ArraySlice<UInt8>) -> PickleValue {
        if slice.isEmpty { return .int(0) }
        if slice.count > 8 { return .bigInt(Array(slice)) }
        var value: UInt64 = 0
        for (index, b) in slice.enumerated() { value |= UInt64(b) << (8 * UInt64(index)) }
        let bits = slice.count * 8
        if bits < 64, slice.last! & 0x80 != 0 { value |= ~UInt64(0) << UInt64(bits) }
        return .int(Int(bitPattern: UInt(value)))
    }

    private mutating func global(module: String, name: String) throws -> PickleValue {
        guard resolver.allowsGlobal(module: module, name: name) else {
            throw CheckpointError(.refused, """
                \(context): refusing to load '\(module).\(name)': the file references Python code or objects \
                that a weights file does not need, so it was not read any further (nothing was executed). \
                Re-save only the weights in Python with torch.save(model.state_dict(), path)
                """)
        }
        return .global(module: module, name: name)
    }

    private mutating func setItems(_ target: PickleValue, _ items: [PickleValue]) throws {
        guard case .dict(let dict) = target else { throw corrupt("SETITEMS on a \(target.typeName)") }
        guard items.count % 2 == 0 else { throw corrupt("odd number of items for SETITEMS") }
        for index in stride(from: 0, to: items.count, by: 2) { dict.set(items[index], items[index + 1]) }
    }

    private mutating func append(_ target: PickleValue, _ items: [PickleValue]) throws {
        guard case .list(let list) = target else { throw corrupt("APPENDS on a \(target.typeName)") }
        list.items.append(contentsOf: items)
    }

    // MARK: - The machine

    /// Runs the pickle program to its STOP opcode and returns the object it built.
    package mutating func load() throws -> PickleValue {
        while true {
            let opcodeAt = position
            let opcode = try byte()
            switch opcode {
            case 0x80:  // PROTO
                let version = try byte()
                guard version <= 5 else { throw CheckpointError(.unsupported, "\(context): pickle protocol \(version) is newer than 5") }
            case 0x95:  // FRAME: a length hint only
                _ = try take(8)
            case 0x2E:  // STOP
                guard stack.count == 1, marks.isEmpty else { throw corrupt("STOP with \(stack.count) values on the stack") }
                return stack[0]

            // Stack manipulation
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popToMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP

            // Constants and numbers
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4B: stack.append(.int(Int(try byte())))  // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2))))  // BININT2
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try littleEndian(4))))))  // BININT
            case 0x8A: let n = try length(1); stack.append(integer(try take(n)))  // LONG1
            case 0x8B: let n = try length(4); stack.append(integer(try take(n)))  // LONG4
            case 0x47:  // BINFLOAT: 8 bytes big-endian
                var bits: UInt64 = 0
                for b in try take(8) { bits = bits << 8 | UInt64(b) }
                stack.append(.float(Double(bitPattern: bits)))
            case 0x49:  // INT (text); "00"/"01" are False/True in protocol 0
                let text = try line()
                if text == "00" { stack.append(.bool(false)) } else if text == "01" { stack.append(.bool(true)) } else {
                    guard let value = Int(text) else { throw corrupt("bad INT '\(text)'") }
                    stack.append(.int(value))
                }
            case 0x4C:  // LONG (text, trailing L)
                let text = try line()
                guard let value = Int(text.hasSuffix("L") ? String(text.dropLast()) : text) else {
                    throw CheckpointError(.unsupported, "\(context): integer \(text) does not fit in 64 bits")
                }
                stack.append(.int(value))
            case 0x46:  // FLOAT (text)
                let text = try line()
                guard let value = Double(text) else { throw corrupt("bad FLOAT '\(text)'") }
                stack.append(.float(value))

            // Strings and bytes
            case 0x58: let n = try length(4); stack.append(.string(try string(try take(n))))  // BINUNICODE
            case 0x8C: let n = try length(1); stack.append(.string(try string(try take(n))))  // SHORT_BINUNICODE
            case 0x8D: let n = try length(8); stack.append(.string(try string(try take(n))))  // BINUNICODE8
            // Python 2 `str` (legacy checkpoints written by Python 2): bytes read as Latin-1 text.
            case 0x54: let n = try length(4); stack.append(.string(String(try take(n).map { Character(Unicode.Scalar($0)) })))  // BINSTRING
            case 0x55: let n = try length(1); stack.append(.string(String(try take(n).map { Character(Unicode.Scalar($0)) })))  // SHORT_BINSTRING
            case 0x42: let n = try length(4); stack.append(.bytes(Array(try take(n))))  // BINBYTES
            case 0x43: let n = try length(1); stack.append(.bytes(Array(try take(n))))  // SHORT_BINBYTES
            case 0x8E: let n = try length(8); stack.append(.bytes(Array(try take(n))))  // BINBYTES8

            // Containers
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popToMark()))  // TUPLE
            case 0x85: let a = try pop(); stack.append(.tuple([a]))  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); stack.append(.tuple([a, b]))  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); stack.append(.tuple([a, b, c]))  // TUPLE3
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x6C: stack.append(.list(PickleList(try popToMark())))  // LIST
            case 0x61: let item = try pop(); try append(try top(), [item])  // APPEND
            case 0x65: let items = try popToMark(); try append(try top(), items)  // APPENDS
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64:  // DICT
                let dict = PickleDict()
                try setItems(.dict(dict), try popToMark())
                stack.append(.dict(dict))
            case 0x73: let value = try pop(), key = try pop(); try setItems(try top(), [key, value])  // SETITEM
            case 0x75: let items = try popToMark(); try setItems(try top(), items)  // SETITEMS
            // Sets become lists: a state dict never needs set semantics.
            case 0x8F: stack.append(.list(PickleList()))  // EMPTY_SET
            case 0x90: let items = try popToMark(); try append(try top(), items)  // ADDITEMS
            case 0x91: stack.append(.list(PickleList(try popToMark())))  // FROZENSET

            // Memo
            case 0x71: memo[Int(try littleEndian(1))] = try top()  // BINPUT
            case 0x72: memo[Int(try littleEndian(4))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x70:  // PUT (text)
                guard let index = Int(try line()) else { throw corrupt("bad PUT index") }
                memo[index] = try top()
            case 0x68, 0x6A, 0x67:  // BINGET, LONG_BINGET, GET
                let index: Int
                switch opcode {
                case 0x68: index = Int(try littleEndian(1))
                case 0x6A: index = Int(try littleEndian(4))
                default:
                    guard let value = Int(try line()) else { throw corrupt("bad GET index") }
                    index = value
                }
                guard let value = memo[index] else { throw corrupt("memo entry \(index) used before it was stored") }
                stack.append(value)

            // Globals, calls and objects: all through the resolver.
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                stack.append(try global(module: module, name: name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard let moduleName = module.string, let globalName = name.string else {
                    throw corrupt("STACK_GLOBAL needs two strings")
                }
                stack.append(try global(module: moduleName, name: globalName))
            case 0x52, 0x81:  // REDUCE callable(*args); NEWOBJ cls.__new__(cls, *args)
                let arguments = try pop(), callable = try pop()
                guard case .global(let module, let name) = callable else {
                    throw corrupt("call of a \(callable.typeName), not of a global")
                }
                guard let list = arguments.tuple else { throw corrupt("call arguments are a \(arguments.typeName)") }
                stack.append(try resolver.call(module: module, name: name, arguments: list))
            case 0x62:  // BUILD: obj.__setstate__(state)
                let state = try pop()
                let object = try top()
                switch (object, state) {
                case (.dict, .dict), (.dict, .none), (.tensor, _):
                    // OrderedDict attributes (`_metadata`) and tensor hooks carry no weights.
                    break
                default:
                    throw CheckpointError(.refused, "\(context): refusing to set the state of a \(object.typeName) (not part of a state dict)")
                }
            case 0x51:  // BINPERSID
                stack.append(try resolver.persistentLoad(try pop()))
            case 0x50:  // PERSID (text)
                stack.append(try resolver.persistentLoad(.string(try line())))

            default:
                let names: [UInt8: String] = [
                    0x6F: "OBJ", 0x69: "INST", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x92: "NEWOBJ_EX",
                    0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER", 0x53: "STRING", 0x56: "UNICODE",
                ]
                if let name = names[opcode] {
                    throw CheckpointError(.refused, "\(context): pickle opcode \(name) at byte \(opcodeAt) is not allowed in a weights file (nothing was executed)")
                }
                throw corrupt("unknown pickle opcode 0x\(String(opcode, radix: 16)) at byte \(opcodeAt)")
            }
        }
    }
}
