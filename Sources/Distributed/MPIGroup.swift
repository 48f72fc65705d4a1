import Foundation

/// Open MPI's `MPI_COMM_WORLD`, reached through `libmpi.so.40` loaded at run time: building and
/// running translate on one machine needs no MPI, and only a process started by `mpirun` loads it.
///
/// Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`…) are the addresses of its
/// predefined global objects (`&ompi_mpi_comm_world`…), so `dlsym` gives them directly; this ABI is
/// Open MPI's (stable across 4.x and 5.x), which is why other MPIs' launchers are refused.
public final class MPIGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    public let summary: String

    typealias Handle = UnsafeMutableRawPointer
    private let api: API

    /// Loads Open MPI and joins `MPI_COMM_WORLD` (calls `MPI_Init_thread`).
    /// - Throws: `DistributedError` naming the library and what to install when it cannot be loaded.
    public init() throws {
        api = try API.load()
        var provided: Int32 = 0
        // MPI_THREAD_SERIALIZED: only one thread calls MPI at a time (the training loop's).
        try api.check(api.initThread(nil, nil, 2, &provided), "MPI_Init_thread")
        var value: Int32 = 0
        try api.check(api.commRank(api.world, &value), "MPI_Comm_rank")
        rank = Int(value)
        try api.check(api.commSize(api.world, &value), "MPI_Comm_size")
        size = Int(value)
        var text = [CChar](repeating: 0, count: 512)
        var length: Int32 = 0
        _ = api.libraryVersion(&text, &length)
        let version = String(decoding: text.prefix(Int(length)).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let firstLine = version.split(whereSeparator: { $0 == "," || $0 == "\n" }).first.map(String.init) ?? "Open MPI"
        summary = "\(firstLine), \(size) rank\(size == 1 ? "" : "s")"
    }

    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {
        try allreduce(UnsafeMutableRawPointer(buffer), count: count, elementSize: 4, type: api.float, op: api.sum)
    }

    public func allreduceSum(_ values: inout [Double]) throws {
        try values.withUnsafeMutableBytes {
            try allreduce($0.baseAddress!, count: $0.count / 8, elementSize: 8, type: api.double, op: api.sum)
        }
    }

    public func allreduceMax(_ values: inout [UInt64]) throws {
        try values.withUnsafeMutableBytes {
            try allreduce($0.baseAddress!, count: $0.count / 8, elementSize: 8, type: api.uint64, op: api.max)
        }
    }

    /// In place, in pieces below MPI's 32-bit count.
    private func allreduce(_ base: UnsafeMutableRawPointer, count: Int, elementSize: Int, type: Handle, op: Handle) throws {
        let inPlace = UnsafeRawPointer(bitPattern: 1)  // MPI_IN_PLACE
        var start = 0
        while start < count {
            let n = min(count - start, 1 << 30)
            try api.check(api.allreduce(inPlace, base + start * elementSize, Int32(n), type, op, api.world), "MPI_Allreduce")
            start += n
        }
    }

    public func broadcast(_ data: inout Data, root: Int) throws {
        var length = [UInt64(rank == root ? data.count : 0)]
        try length.withUnsafeMutableBytes {
            try api.check(api.bcast($0.baseAddress!, 1, api.uint64, Int32(root), api.world), "MPI_Bcast")
        }
        if rank != root { data = Data(count: Int(length[0])) }
        guard length[0] > 0 else { return }
        try data.withUnsafeMutableBytes { bytes in
            var start = 0
            while start < bytes.count {
                let n = min(bytes.count - start, 1 << 30)
                try api.check(api.bcast(bytes.baseAddress! + start, Int32(n), api.byte, Int32(root), api.world), "MPI_Bcast")
                start += n
            }
        }
    }

    public func abort(code: Int32) -> Never {
        _ = api.abort(api.world, code)
        exit(code)
    }

    public func finish() {
        _ = api.finalize()
    }

    // MARK: - The library

    /// The entry points and predefined handles of `libmpi`.
    struct API {
        typealias InitThread = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutableRawPointer?, Int32, UnsafeMutablePointer<Int32>) -> Int32
        typealias CommQuery = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
        typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
        typealias Bcast = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
        typealias Abort = @convention(c) (Handle, Int32) -> Int32
        typealias Finalize = @convention(c) () -> Int32
        typealias StringQuery = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32
        typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

        let initThread: InitThread
        let commRank: CommQuery
        let commSize: CommQuery
        let allreduce: Allreduce
        let bcast: Bcast
        let abort: Abort
        let finalize: Finalize
        let libraryVersion: StringQuery
        let errorString: ErrorString
        let world: Handle, float: Handle, double: Handle, uint64: Handle, byte: Handle, sum: Handle, max: Handle

        /// The library names tried in order (Debian's libopenmpi3 ships `libmpi.so.40`);
        /// `TRANSLATE_MPI_LIBRARY` names another (an Open MPI installed under /opt, say).
        static var libraryNames: [String] {
            if let path = ProcessInfo.processInfo.environment["TRANSLATE_MPI_LIBRARY"], !path.isEmpty { return [path] }
            return ["libmpi.so.40", "libmpi.so"]
        }

        static func load() throws -> API {
            var library: UnsafeMutableRawPointer?
            var errors: [String] = []
            for name in libraryNames {
                // RTLD_GLOBAL: Open MPI's plugins resolve their symbols against libmpi.
                library = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
                if library != nil { break }
                errors.append(dlerror().map { String(cString: $0) } ?? name)
            }
            guard let library else {
                throw DistributedError("this process was started by mpirun (OMPI_COMM_WORLD_SIZE is set) but Open MPI's library "
                    + "could not be loaded (\(errors.joined(separator: "; "))). Install it with `apt-get install openmpi-bin libopenmpi3` "
                    + "(the same version on every host), or run without mpirun.")
            }
            func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
                guard let address = dlsym(library, name) else {
                    throw DistributedError("\(libraryNames[0]) has no symbol \(name): translate needs Open MPI 4 or newer (found another MPI?)")
                }
                return address
            }
            func function<F>(_ name: String, _: F.Type) throws -> F { unsafeBitCast(try symbol(name), to: F.self) }
            return API(
                initThread: try function("MPI_Init_thread", InitThread.self),
                commRank: try function("MPI_Comm_rank", CommQuery.self),
                commSize: try function("MPI_Comm_size", CommQuery.self),
                allreduce: try function("MPI_Allreduce", Allreduce.self),
                bcast: try function("MPI_Bcast", Bcast.self),
                abort: try function("MPI_Abort", Abort.self),
                finalize: try function("MPI_Finalize", Finalize.self),
                libraryVersion: try function("MPI_Get_library_version", StringQuery.self),
                errorString: try function("MPI_Error_string", ErrorString.self),
                world: try symbol("ompi_mpi_comm_world"), float: try symbol("ompi_mpi_float"),
                double: try symbol("ompi_mpi_double"), uint64: try symbol("ompi_mpi_uint64_t"),
                byte: try symbol("ompi_mpi_byte"), sum: try symbol("ompi_mpi_op_sum"), max: try symbol("ompi_mpi_op_max"))
        }

        /// Throws with MPI's own text for a non-zero return code.
        func check(_ code: Int32, _ call: String) throws {
            guard code != 0 else { return }
            var text = [CChar](repeating: 0, count: 512)
            var length: Int32 = 0
            _ = errorString(code, &text, &length)
            let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DistributedError("\(call) failed (\(code)): \(message)")
        }
    }
}
