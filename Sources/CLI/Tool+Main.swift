import ArgumentParser
import Foundation

extension Tool {
    /// Exit statuses of every subcommand: 0 success, 1 failure (some files failed, a damaged
    /// checkpoint), 2 usage error (a bad flag or argument, inputs that cannot work). ArgumentParser
    /// exits 64 (EX_USAGE) for usage errors; this entry point maps that to 2, as most command-line
    /// tools (and batch scripts checking `$? -eq 2`) expect.
    static let usageErrorStatus: Int32 = 2

    static func main() {
        HugePages.reexecIfUseful()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(usageErrorStatus)
            }
            exit(withError: error)
        }
    }
}

/// Large tensors (a 64-channel megapixel activation is 256 MB) are fresh `mmap`s in glibc's malloc,
/// and filling one takes a page fault per 4 KiB page: at 1 MP a ReLU took 137 ms instead of 28 ms and
/// a resnet_9blocks forward pass 9.5 s instead of 7.9 s (measured, one thread). glibc ≥ 2.35 backs
/// malloc's large blocks with transparent huge pages (2 MiB, 512× fewer faults) when the tunable
/// `glibc.malloc.hugetlb=1` is set, but tunables are read when the process starts, so the tool
/// re-executes itself once with it added to `GLIBC_TUNABLES` when the kernel grants huge pages on
/// request (`madvise` mode). `TRANSLATE_NO_HUGEPAGES=1` turns this off.
enum HugePages {
    static let tunable = "glibc.malloc.hugetlb"

    static func reexecIfUseful() {
        #if os(Linux)
        let environment = ProcessInfo.processInfo.environment
        let current = environment["GLIBC_TUNABLES"] ?? ""
        guard environment["TRANSLATE_NO_HUGEPAGES"] == nil, !current.contains(tunable),
              let mode = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8),
              mode.contains("[madvise]") else { return }
        setenv("GLIBC_TUNABLES", current.isEmpty ? "\(tunable)=1" : "\(current):\(tunable)=1", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // Only reached when exec failed: carry on without.
        if current.isEmpty { unsetenv("GLIBC_TUNABLES") } else { setenv("GLIBC_TUNABLES", current, 1) }
        #endif
    }
}
