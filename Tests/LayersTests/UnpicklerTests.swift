import Foundation
import Layers
import Testing

/// A resolver that allows nothing: plain data only.
private struct NoGlobals: PickleResolver {
    func allowsGlobal(module: String, name: String) -> Bool { false }
    func call(module: String, name: String, arguments: [PickleValue]) throws -> PickleValue { .none }
    func persistentLoad(_ id: PickleValue) throws -> PickleValue { .none }
}

private func load(_ bytes: [UInt8]) throws -> PickleValue {
    var unpickler = Unpickler(bytes: bytes, resolver: NoGlobals(), context: "test.pkl")
    return try unpickler.load()
}

@Suite struct UnpicklerTests {
    /// `pickle.dumps({'a': [1, -2, 300, 70000], 'b': (1.5, None, True), 'c': 'é'}, protocol=2)`
    @Test func readsProtocolTwoData() throws {
        let bytes: [UInt8] = [
            0x80, 0x02, 0x7D, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00, 0x00, 0x61, 0x71, 0x01, 0x5D, 0x71, 0x02, 0x28,
            0x4B, 0x01, 0x4A, 0xFE, 0xFF, 0xFF, 0xFF, 0x4D, 0x2C, 0x01, 0x4A, 0x70, 0x11, 0x01, 0x00, 0x65, 0x58, 0x01,
            0x00, 0x00, 0x00, 0x62, 0x71, 0x03, 0x47, 0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4E, 0x88, 0x87,
            0x71, 0x04, 0x58, 0x01, 0x00, 0x00, 0x00, 0x63, 0x71, 0x05, 0x58, 0x02, 0x00, 0x00, 0x00, 0xC3, 0xA9, 0x71,
            0x06, 0x75, 0x2E,
        ]
        let value = try load(bytes)
        let dict = try #require(value.dict)
        #expect(dict.stringKeys == ["a", "b", "c"])
        let list = try #require(dict["a"]?.tuple)
        #expect(list.compactMap(\.int) == [1, -2, 300, 70000])
        let tuple = try #require(dict["b"]?.tuple)
        guard case .float(let x) = tuple[0], case .none = tuple[1], case .bool(true) = tuple[2] else {
            Issue.record("unexpected tuple \(tuple)")
            return
        }
        #expect(x == 1.5)
        #expect(dict["c"]?.string == "é")
    }

    /// Containers are filled after being memoised; a later BINGET must see the filled object.
    @Test func memoisedDictSeesLaterItems() throws {
        // EMPTY_DICT BINPUT 0, MARK 'k' 1 SETITEMS, then TUPLE2 of (memo 0, memo 0)
        let bytes: [UInt8] = [
            0x80, 0x02, 0x7D, 0x71, 0x00, 0x28, 0x8C, 0x01, 0x6B, 0x4B, 0x01, 0x75, 0x68, 0x00, 0x86, 0x2E,
        ]
        let pair = try #require(try load(bytes).tuple)
        #expect(pair.count == 2)
        #expect(pair[1].dict?["k"]?.int == 1)
    }

    @Test func readsIntegersWiderThan64BitsAsBytes() throws {
        // LONG1 with 10 bytes: the legacy torch magic number 0x1950a86a20f9469cfc6c.
        let bytes: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        guard case .bigInt(let value) = try load(bytes) else {
            Issue.record("expected a big integer")
            return
        }
        #expect(value == [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19])
        // LONG1 of 2 bytes, negative: -2
        guard case .int(let small) = try load([0x80, 0x02, 0x8A, 0x02, 0xFE, 0xFF, 0x2E]) else {
            Issue.record("expected an int")
            return
        }
        #expect(small == -2)
    }

    @Test func refusesGlobalsOutsideTheAllowList() {
        // GLOBAL 'os\nsystem\n' (SHORT_BINUNICODE 'x',) TUPLE1 REDUCE STOP
        let bytes: [UInt8] = [0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x8C, 0x01, 0x78, 0x85, 0x52, 0x2E]
        let error = #expect(throws: CheckpointError.self) { try load(bytes) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("os.system") == true)
    }

    @Test func refusesObjectBuildingOpcodes() {
        // MARK then INST 'x\ny\n': protocol 0 object construction.
        let bytes: [UInt8] = [0x28, 0x69] + Array("x\ny\n".utf8) + [0x2E]
        let error = #expect(throws: CheckpointError.self) { try load(bytes) }
        #expect(error?.code == .refused)
    }

    @Test func truncatedPickleIsCorrupt() {
        // BINUNICODE claiming 100 bytes with 3 present.
        let error = #expect(throws: CheckpointError.self) { try load([0x80, 0x02, 0x58, 0x64, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63]) }
        #expect(error?.code == .corrupt)
        let missingStop = #expect(throws: CheckpointError.self) { try load([0x80, 0x02, 0x4B, 0x01]) }
        #expect(missingStop?.code == .corrupt)
    }

    @Test func stackUnderflowIsCorrupt() {
        let error = #expect(throws: CheckpointError.self) { try load([0x80, 0x02, 0x86, 0x2E]) }
        #expect(error?.code == .corrupt)
    }

    /// Python 2 pickles (legacy checkpoints of the pretrained zoo era): `str` keys are
    /// SHORT_BINSTRING, and OrderedDict is rebuilt from a list of [key, value] lists.
    @Test func readsPythonTwoStringsAndOrderedDicts() throws {
        // GLOBAL collections.OrderedDict, ([['w', 1]],) REDUCE, None BUILD — with U (SHORT_BINSTRING) for 'w'.
        let bytes: [UInt8] = [0x80, 0x02, 0x63] + Array("collections\nOrderedDict\n".utf8)
            + [0x5D, 0x28, 0x5D, 0x28, 0x55, 0x01, 0x77, 0x4B, 0x01, 0x65, 0x65, 0x85, 0x52, 0x4E, 0x62, 0x2E]
        var unpickler = Unpickler(bytes: bytes, resolver: TorchResolver(context: "py2.pkl"), context: "py2.pkl")
        let dict = try #require(try unpickler.load().dict)
        #expect(dict["w"]?.int == 1)
    }

    @Test func torchAllowListNamesOnlyWeightBuildingGlobals() {
        let resolver = TorchResolver(context: "x")
        #expect(resolver.allowsGlobal(module: "collections", name: "OrderedDict"))
        #expect(resolver.allowsGlobal(module: "torch._utils", name: "_rebuild_tensor_v2"))
        #expect(resolver.allowsGlobal(module: "torch", name: "HalfStorage"))
        #expect(resolver.allowsGlobal(module: "torch.cuda", name: "FloatStorage"))
        #expect(!resolver.allowsGlobal(module: "torch", name: "load"))
        #expect(!resolver.allowsGlobal(module: "builtins", name: "eval"))
        #expect(!resolver.allowsGlobal(module: "numpy.core.multiarray", name: "_reconstruct"))
    }

    @Test func halfPrecisionBitsConvert() {
        #expect(Float(halfPrecisionBits: 0x3C00) == 1)
        #expect(Float(halfPrecisionBits: 0xC000) == -2)
        #expect(Float(halfPrecisionBits: 0x0001) == 0x1p-24)
        #expect(Float(halfPrecisionBits: 0x7C00) == .infinity)
        #expect(Float(halfPrecisionBits: 0x7BFF) == 65504)
    }
}
