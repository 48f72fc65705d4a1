import Foundation

/// The processes of one data-parallel training run: every rank runs the same program on its own
/// share of each batch and they agree through collective operations. One process alone is a
/// `LocalGroup`; `mpirun -np N translate train …` gives an `MPIGroup` of N ranks.
///
/// Every collective must be called by every rank, in the same order, with the same counts.
public protocol ProcessGroup: AnyObject {
    /// This process's 0-based rank; rank 0 writes the run's files.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// A short description for logs ("Open MPI, 2 ranks on host1, host2").
    var summary: String { get }
    /// Replaces `count` floats at `buffer` by their sum over all ranks.
    func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws
    /// Replaces every value by its sum over all ranks.
    func allreduceSum(_ values: inout [Double]) throws
    /// Replaces every value by its maximum over all ranks.
    func allreduceMax(_ values: inout [UInt64]) throws
    /// Rank `root`'s bytes on every rank (`data` is ignored on the other ranks).
    func broadcast(_ data: inout Data, root: Int) throws
    /// Stops every rank of the job now with `code` (a rank that failed alone must not leave the
    /// others waiting in a collective).
    func abort(code: Int32) -> Never
    /// Ends the group's use of the transport (the last call of the process).
    func finish()
}

extension ProcessGroup {
    /// True for the rank that writes logs, samples, checkpoints and the report.
    public var isWriter: Bool { rank == 0 }
}

/// A single process: every collective is the identity.
public final class LocalGroup: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var summary: String { "one process" }
    public func allreduceSum(_ buffer: UnsafeMutablePointer<Float>, count: Int) throws {}
    public func allreduceSum(_ values: inout [Double]) throws {}
    public func allreduceMax(_ values: inout [UInt64]) throws {}
    public func broadcast(_ data: inout Data, root: Int) throws {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func finish() {}
}

/// A failure of the transport (MPI missing, a collective that failed).
public struct DistributedError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The process group this process belongs to: an `MPIGroup` when `mpirun` started it (Open MPI sets
/// `OMPI_COMM_WORLD_SIZE`), else a `LocalGroup`. Created once, on first use.
public enum ProcessGroups {
    nonisolated(unsafe) private static var current: (any ProcessGroup)?
    private static let lock = NSLock()

    /// How this process was launched, from its environment.
    public enum Launch: Equatable, Sendable {
        case single
        /// Open MPI's mpirun (world size from `OMPI_COMM_WORLD_SIZE`).
        case openMPI(size: Int)
        /// Another launcher's variables (MPICH/Intel MPI `PMI_SIZE`, Slurm `SLURM_NTASKS` with a PMI
        /// rank): not supported, so the run must not silently train alone N times.
        case unsupported(variable: String)

        public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
            if let size = environment["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) {
                self = .openMPI(size: size)
            } else if let size = environment["PMI_SIZE"].flatMap(Int.init), size > 1 {
                self = .unsupported(variable: "PMI_SIZE=\(size)")
            } else if environment["PMIX_RANK"] != nil {
                self = .unsupported(variable: "PMIX_RANK (a PMIx launcher such as srun --mpi=pmix)")
            } else {
                self = .single
            }
        }
    }

    /// The group of this process, joining MPI the first time when launched by mpirun.
    /// - Throws: `DistributedError` when mpirun started the process but Open MPI cannot be loaded
    ///   or initialised, or when another MPI's launcher did.
    public static func shared() throws -> any ProcessGroup {
        lock.lock()
        defer { lock.unlock() }
        if let current { return current }
        let group: any ProcessGroup
        switch Launch() {
        case .single: group = LocalGroup()
        case .openMPI: group = try MPIGroup()
        case .unsupported(let variable):
            throw DistributedError("this process was started by a launcher translate does not support (\(variable) is set). "
                + "Data-parallel runs use Open MPI: install it (apt-get install openmpi-bin) and start with `mpirun -np N translate train …`.")
        }
        current = group
        return group
    }
}
