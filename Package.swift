// swift-tools-version: 6.0
import PackageDescription

/// Every module of ours is compiled for AVX2 + FMA (haswell), the baseline of every machine this tool
/// targets; without it SIMD FMA becomes libm calls (PERF-NOTES P1). AVX-512 is not used: it would
/// crash on the AMD machines.
let fast: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "translate",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "translate", targets: ["CLI"]),
        .executable(name: "bench-kernels", targets: ["BenchKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),

        // MARK: - Core
        .target(name: "Kernels", dependencies: ["CBLAS"], swiftSettings: fast),
        .target(name: "Tensors", dependencies: ["Kernels"], swiftSettings: fast),

        // MARK: - Tool
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Tensors",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast),

        // MARK: - Benchmarks (not tests; run by bench/run.sh)
        .executableTarget(name: "BenchKernels", dependencies: ["Kernels"], swiftSettings: fast),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Tensors"], swiftSettings: fast),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"], swiftSettings: fast),
    ],
    swiftLanguageModes: [.v5]
)
