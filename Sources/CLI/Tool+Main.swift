import ArgumentParser
import Distributed
import Foundation

extension Tool {
    /// Exit statuses of every subcommand: 0 success, 1 failure (some files failed, a damaged
    /// checkpoint), 2 usage error (a bad flag or argument, inputs that cannot work). ArgumentParser
    /// exits 64 (EX_USAGE) for usage errors; this entry point maps that to 2, as most command-line
    /// tools (and batch scripts checking `$? -eq 2`) expect.
    static let usageErrorStatus: Int32 = 2

    static func main() {
        do {
            var command = try parseAsRoot()
            // Only training splits its work over mpirun's ranks; N copies of another command would
            // each do the whole job (and race on the same outputs).
            if case .openMPI(let size) = ProcessGroups.Launch(), size > 1, !(command is Train) {
                FileHandle.standardError.write(Data(("translate: only `translate train` runs across mpirun's ranks; run this command "
                    + "without mpirun (batch commands use every core with --threads/--jobs)\n").utf8))
                Foundation.exit(usageErrorStatus)
            }
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
