// The small helpers every bench-* executable shares: flag parsing, CPU seconds and resident-set
// sizes from getrusage and /proc. No dependencies, so any bench target can use it.
import Foundation

/// The integer after `name` on the command line (`--steps 3`), or `value` when it is absent or not an integer.
public func argument(_ name: String, default value: Int) -> Int {
    guard let index = CommandLine.arguments.firstIndex(of: name), index + 1 < CommandLine.arguments.count,
          let parsed = Int(CommandLine.arguments[index + 1]) else { return value }
    return parsed
}

/// This process's user + system CPU time so far, in seconds (all threads).
public func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// This process's peak resident set so far, in MiB (Linux reports ru_maxrss in KiB).
public func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// This process's resident set now, in MiB (/proc/self/statm; 0 where it is missing).
public func currentRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

/// Times `steps` calls of `step` after one untimed warm-up call (first-touch allocations, BLAS buffers).
/// - Returns: each call's wall seconds, the best and median of them, and the CPU seconds the timed
///   calls used over their wall time (cpu/wall: ≈ threads when the machine is otherwise idle).
public func timeSteps(_ steps: Int, warmUp: Bool = true, _ step: () -> Void) -> StepTimes {
    if warmUp { step() }
    var times: [Double] = []
    let cpuStart = cpuSeconds(), wallStart = Date()
    for _ in 0..<max(1, steps) {
        let start = Date()
        step()
        times.append(Date().timeIntervalSince(start))
    }
    let cpuUsed = cpuSeconds() - cpuStart
    return StepTimes(times: times, cpuSeconds: cpuUsed, wallSeconds: Date().timeIntervalSince(wallStart))
}

/// The timings of `timeSteps`.
public struct StepTimes {
    /// Wall seconds of each timed step.
    public var times: [Double]
    /// CPU seconds (user + system) of all timed steps together.
    public var cpuSeconds: Double
    /// Wall seconds of all timed steps together.
    public var wallSeconds: Double

    /// The fastest step.
    public var best: Double { times.min() ?? 0 }
    /// The middle step (the upper one of an even count).
    public var median: Double { times.sorted()[times.count / 2] }
    /// CPU seconds per wall second over the timed steps.
    public var cpuWall: Double { wallSeconds > 0 ? cpuSeconds / wallSeconds : 0 }
    /// CPU seconds per timed step.
    public var cpuPerStep: Double { times.isEmpty ? 0 : cpuSeconds / Double(times.count) }
}
