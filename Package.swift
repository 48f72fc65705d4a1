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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // MARK: - C libraries
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // The setjmp-guarded C calls. A C target does not autolink the `link` lines of its
        // system-library dependencies, so it names the libraries itself.
        .target(name: "CodecShims", dependencies: ["CJPEG", "CPNG"],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),

        // MARK: - Core
        .target(name: "Kernels", dependencies: ["CBLAS", "CDNNL"], swiftSettings: fast),
        .target(name: "Tensors", dependencies: ["Kernels"], swiftSettings: fast),
        .target(name: "Layers", dependencies: ["Tensors", "ZIPFoundation"], swiftSettings: fast),
        .target(name: "Networks", dependencies: ["Layers"], swiftSettings: fast),
        .target(name: "Console", swiftSettings: fast),
        .target(name: "Inference", dependencies: ["Kernels", "Tensors", "Layers", "Networks", "ImageCodecs", "ImageDatasets", "Console"],
                swiftSettings: fast),
        // Process groups for data-parallel training: Open MPI loaded at run time under mpirun.
        .target(name: "Distributed", swiftSettings: fast),
        .target(
            name: "Training",
            dependencies: ["Tensors", "Kernels", "Console", "Layers", "Networks", "Distributed"],
            swiftSettings: fast),
        // A training run end to end: recipes, dataset adapters, evaluation, inference steps.
        .target(
            name: "Runs",
            dependencies: ["Training", "ImageDatasets", "ImageCodecs", "Inference", "Networks", "Layers", "Tensors", "Kernels",
                           "DatasetRegistry", "Evaluation", "Distributed", .product(name: "Yams", package: "Yams")],
            swiftSettings: fast),

        // MARK: - Images
        .target(name: "ImageCodecs", dependencies: ["CodecShims"], swiftSettings: fast),
        .target(name: "ImageDatasets", dependencies: ["ImageCodecs", "Tensors"], swiftSettings: fast),
        .target(name: "Evaluation", dependencies: ["ImageCodecs"], swiftSettings: fast),
        // The official dataset registry: safe download and extraction, the built-in sample fallback.
        // zlib (for tar.gz) comes through ZIPFoundation's own `CZlib` system-library module (libz).
        .target(name: "DatasetRegistry",
                dependencies: ["Console", "ImageCodecs", "ZIPFoundation", .product(name: "Yams", package: "Yams")],
                swiftSettings: fast),

        // MARK: - Tool
        .executableTarget(
            name: "CLI",
            dependencies: [
                "Tensors",
                "Layers",
                "Networks",
                "ImageCodecs",
                "ImageDatasets",
                "Training",
                "Runs",
                "Distributed",
                "Inference",
                "Console",
                "Evaluation",
                "DatasetRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // -enable-testing: CLITests `@testable import CLI` in release builds too (the CLI is only
            // argument parsing, so the lost cross-module optimisations cost nothing measurable).
            swiftSettings: fast + [.unsafeFlags(["-enable-testing"])]),

        // MARK: - Benchmarks (not tests; run by bench/run.sh)
        // Flag parsing, CPU time and RSS helpers shared by the bench-* executables.
        .target(name: "BenchSupport", swiftSettings: fast),
        .executableTarget(name: "bench-train", dependencies: ["BenchSupport", "Training", "Tensors", "Kernels"], path: "Sources/BenchTrain",
                          swiftSettings: fast),
        .executableTarget(name: "bench-kernels", dependencies: ["Kernels"], path: "Sources/BenchKernels",
                          swiftSettings: fast),
        // Writes random-init generator checkpoints for bench/sections/30-apply.sh.
        .executableTarget(name: "bench-apply", dependencies: ["Inference", "Networks", "Layers", "Tensors"], path: "Sources/BenchApply",
                          swiftSettings: fast),
        .executableTarget(name: "bench-loader", dependencies: ["BenchSupport", "ImageDatasets", "Tensors"], path: "Sources/BenchLoader",
                          swiftSettings: fast),
        // One CycleGAN training step with its peak RSS, for bench/sections/45-cyclegan-step.sh.
        .executableTarget(name: "bench-cyclegan", dependencies: ["BenchSupport", "Training", "Layers", "Tensors", "Kernels"], path: "Sources/BenchCycleGAN",
                          swiftSettings: fast),
        // One SRResNet pretraining step and one SRGAN GAN-phase step, for bench/sections/50-srgan-step.sh.
        .executableTarget(name: "bench-srgan", dependencies: ["BenchSupport", "Training", "Networks", "Layers", "Tensors", "Kernels"],
                          path: "Sources/BenchSRGAN", swiftSettings: fast),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Tensors"], swiftSettings: fast),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "Networks", "Layers", "ImageCodecs", "ImageDatasets", "TestSupport"],
                    swiftSettings: fast),
        .testTarget(name: "ConsoleTests", dependencies: ["Console"], swiftSettings: fast),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "Layers", "Networks", "TestSupport", "Inference", "ImageCodecs", "Distributed"],
            swiftSettings: fast),
        .testTarget(
            name: "RunsTests",
            dependencies: ["Runs", "Training", "Networks", "ImageDatasets", "ImageCodecs", "Tensors", "TestSupport", "DatasetRegistry", "Layers",
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: fast),
        .testTarget(name: "CLITests", dependencies: ["CLI", "Training", "Runs", "Distributed", "Tensors"], swiftSettings: fast),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "NetworksTests", dependencies: ["Networks", "Layers", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "ImageCodecsTests", dependencies: ["ImageCodecs", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "ImageDatasetsTests", dependencies: ["ImageDatasets", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "ImageCodecs", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "DatasetRegistryTests",
                    dependencies: ["DatasetRegistry", "TestSupport", "ImageCodecs", "ZIPFoundation"]),
    ],
    swiftLanguageModes: [.v5]
)
