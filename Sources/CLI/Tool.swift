import ArgumentParser
import Foundation
import Kernels
import Tensors

/// The `translate` command: trains and runs image-to-image GANs on the CPU.
@main
struct Tool: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Train and run image-to-image GANs (pix2pix, CycleGAN, SRGAN) on the CPU.",
        version: version,
        subcommands: [Train.self, Apply.self, Upscale.self, Colorize.self, Models.self, Convert.self, Inspect.self, Eval.self,
                      Datasets.self, Info.self]
    )
}

/// Flags every subcommand shares.
struct SharedOptions: ParsableArguments {
    @Option(help: "Worker threads for BLAS and the Swift loops (default: all cores, or TRANSLATE_THREADS).")
    var threads: Int?

    @Option(help: "Random seed; the same seed and thread count give the same run (default 0).")
    var seed: UInt64?

    @Flag(name: .shortAndLong, help: "Print more detail.")
    var verbose = false

    mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let text = ProcessInfo.processInfo.environment["TRANSLATE_CONV"], ConvolutionPath.fromEnvironment == nil {
            throw ValidationError("TRANSLATE_CONV must be blas or dnnl, got '\(text)'")
        }
    }

    /// Applies the thread setting; call first in `run()`.
    func apply() {
        Tensor.configureRuntime()
        if let threads { Parallel.setThreadCount(threads) } else { _ = Parallel.threadCount }
        if verbose, let warning = MachineInfo.blasCoreWarning {
            FileHandle.standardError.write(Data(("translate: warning: " + warning + "\n").utf8))
        }
    }
}
