import ArgumentParser
import Foundation
import Kernels

extension Tool {
    /// Prints what decides this machine's speed: the CPU's vector features, the kernels OpenBLAS and
    /// oneDNN picked, the convolution path and the thread count.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the CPU, the math libraries' kernel choice, the convolution path and threads.",
            discussion: """
                OpenBLAS picks its kernels from a table of CPU models; a CPU newer than that table gets old \
                (SSE) kernels, which this command points out when OPENBLAS_CORETYPE is unset. oneDNN picks its \
                code from the CPU's feature flags. TRANSLATE_CONV=blas|dnnl chooses the convolution path \
                (default: dnnl when OpenBLAS's kernels are below the CPU, else blas); --threads or TRANSLATE_THREADS sets the threads of every pool.
                """)

        @OptionGroup var shared: SharedOptions

        func run() throws {
            shared.apply()
            print(Self.report())
        }

        /// The lines `translate info` prints.
        static func report() -> String {
            let features = MachineInfo.vectorFeatures
            let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { "set to \($0)" } ?? "unset"
            var lines = [
                "CPU:              \(MachineInfo.cpuModel)",
                "vector features:  \(features.isEmpty ? "none found" : features.joined(separator: " "))",
                "OpenBLAS core:    \(MachineInfo.blasCore) (OPENBLAS_CORETYPE \(coreType))",
                "OpenBLAS build:   \(MachineInfo.blasConfiguration)",
                "oneDNN:           \(MachineInfo.dnnlVersion), ISA \(MachineInfo.dnnlISA)",
                "convolutions:     \(ConvolutionPath.current == .dnnl ? "oneDNN" : "im2col + OpenBLAS") "
                    + (ConvolutionPath.fromEnvironment != nil ? "(TRANSLATE_CONV=\(ConvolutionPath.current.rawValue))"
                       : MachineInfo.blasCoreIsBelowCPU ? "(default: OpenBLAS's kernels are below this CPU)"
                       : "(default: OpenBLAS's kernels match this CPU; TRANSLATE_CONV=dnnl selects oneDNN)"),
                "threads:          \(Parallel.threadCount) (OpenBLAS, oneDNN's OpenMP pool and the Swift loops)",
            ]
            if let warning = MachineInfo.blasCoreWarning { lines.append("warning: " + warning) }
            return lines.joined(separator: "\n")
        }
    }
}
