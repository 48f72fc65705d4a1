import Kernels
import Testing

@Suite struct MachineInfoTests {
    static let avx512 = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl"]

    @Test func warnsWhenOpenBLASRunsOlderKernelsThanTheCPUHas() throws {
        let warning = try #require(MachineInfo.blasCoreWarning(core: "Prescott", features: Self.avx512, coreType: nil))
        #expect(warning.contains("Prescott") && warning.contains("AVX-512") && warning.contains("OPENBLAS_CORETYPE=SkylakeX"))
        let avx2 = try #require(MachineInfo.blasCoreWarning(core: "Sandybridge", features: ["avx", "avx2", "fma"],
                                                            coreType: ""))
        #expect(avx2.contains("OPENBLAS_CORETYPE=Haswell"))
    }

    @Test func silentWhenTheCoreMatchesOrTheUserChose() {
        #expect(MachineInfo.blasCoreWarning(core: "SkylakeX", features: Self.avx512, coreType: nil) == nil)
        #expect(MachineInfo.blasCoreWarning(core: "Zen", features: ["avx", "avx2", "fma"], coreType: nil) == nil)
        // A value set by the user or their environment is their choice, even if it is lower.
        #expect(MachineInfo.blasCoreWarning(core: "Haswell", features: Self.avx512, coreType: "Haswell") == nil)
        // An unknown (newer) core name never warns.
        #expect(MachineInfo.blasCoreWarning(core: "SapphireRapids", features: Self.avx512, coreType: nil) == nil)
    }

    @Test func librariesReportThemselves() {
        #expect(MachineInfo.dnnlVersion.hasPrefix("2."))
        #expect(!MachineInfo.dnnlISA.isEmpty && !MachineInfo.blasCore.isEmpty)
        #expect(MachineInfo.blasConfiguration.contains("OpenBLAS"))
    }
}
