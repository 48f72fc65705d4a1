import Foundation

/// What the CPU offers and what the two math libraries made of it, for `translate info` and the
/// benchmarks: a machine is slow when OpenBLAS picked kernels below what the CPU can run.
public enum MachineInfo {
    /// The vector features that matter to the kernels, in this order, as `/proc/cpuinfo` names them.
    static let interestingFlags = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                                   "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"]

    /// `model name` of the first CPU in `/proc/cpuinfo`, with its family and model numbers.
    public static var cpuModel: String {
        let fields = cpuInfoFields
        let name = fields["model name"] ?? "unknown CPU"
        guard let family = fields["cpu family"], let model = fields["model"] else { return name }
        return "\(name) (family \(family), model \(model))"
    }

    /// The `interestingFlags` this CPU has.
    public static var vectorFeatures: [String] {
        let flags = Set((cpuInfoFields["flags"] ?? "").split(separator: " ").map(String.init))
        return interestingFlags.filter(flags.contains)
    }

    /// The kernel family OpenBLAS picked at run time ("SkylakeX", "Haswell", "Prescott", …).
    public static var blasCore: String { BLAS.coreName }
    /// OpenBLAS's build description.
    public static var blasConfiguration: String { BLAS.configuration }
    /// oneDNN's version and CPU runtime.
    public static var dnnlVersion: String { DNNL.version }
    /// The instruction set oneDNN's kernels use here.
    public static var dnnlISA: String { DNNL.isa }

    /// A warning when OpenBLAS runs kernels below the CPU's vector level and `OPENBLAS_CORETYPE` is unset
    /// (a value the user or environment set is their choice and is never changed), else nil.
    public static var blasCoreWarning: String? {
        blasCoreWarning(core: blasCore, features: vectorFeatures,
                        coreType: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
    }

    /// `blasCoreWarning` for given facts (for tests).
    package static func blasCoreWarning(core: String, features: [String], coreType: String?) -> String? {
        guard coreType == nil || coreType!.isEmpty else { return nil }
        let cpuLevel = vectorLevel(ofFeatures: features)
        let coreLevel = vectorLevel(ofCore: core)
        guard coreLevel < cpuLevel else { return nil }
        let suggestion = ["Prescott", "Sandybridge", "Haswell", "SkylakeX"][cpuLevel]
        let cpu = ["SSE", "AVX", "AVX2+FMA", "AVX-512"][cpuLevel]
        return "OpenBLAS picked its \(core) kernels although this CPU has \(cpu) (its OpenBLAS build does not "
            + "know this CPU model), so the im2col+OpenBLAS paths run slowly. Convolutions use oneDNN unless "
            + "TRANSLATE_CONV=blas; to speed up OpenBLAS too, run with OPENBLAS_CORETYPE=\(suggestion) set "
            + "(translate never sets it)."
    }

    /// True when OpenBLAS's kernels use a lower vector level than the CPU has (whatever set them).
    public static var blasCoreIsBelowCPU: Bool {
        vectorLevel(ofCore: blasCore) < vectorLevel(ofFeatures: vectorFeatures)
    }

    /// 0 SSE, 1 AVX, 2 AVX2+FMA, 3 AVX-512 for `/proc/cpuinfo` flags.
    static func vectorLevel(ofFeatures features: [String]) -> Int {
        features.contains("avx512f") && features.contains("avx512bw") ? 3
            : features.contains("avx2") && features.contains("fma") ? 2 : features.contains("avx") ? 1 : 0
    }

    /// 0 SSE, 1 AVX, 2 AVX2+FMA, 3 AVX-512 for OpenBLAS's x86 core names; unknown names count as 3 so
    /// that they never trigger the warning.
    static func vectorLevel(ofCore core: String) -> Int {
        switch core.lowercased() {
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood",
             "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "nano", "generic":
            return 0
        case "sandybridge", "bulldozer", "piledriver", "steamroller", "excavator": return 1
        case "haswell", "zen": return 2
        default: return 3
        }
    }

    /// `key: value` lines of the first processor in `/proc/cpuinfo` (empty elsewhere).
    static var cpuInfoFields: [String: String] {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [:] }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { break }  // end of the first processor
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }
}
