// bench-kernels: times the convolution kernels (Conv2DKernels / ConvTranspose2DKernels called directly on
// both paths, oneDNN and im2col + OpenBLAS,
// with the output and scratch buffers allocated per call as the Tensor ops do) on the generator shapes
// of the project, and prints a Markdown table, optionally beside PyTorch's numbers from
// bench/torch_conv.py (`--torch-json FILE`).
//
// Usage: bench-kernels [--threads 1,2] [--paths dnnl,blas] [--rounds 5] [--min-time 0.3] [--shapes SUBSTRING]
//                      [--tile-bytes N] [--torch-python PYTHON [--torch-script PATH]] [--torch-json FILE]
//                      [--json] [--info] [--profile]
// --torch-python runs bench/torch_conv.py (or --torch-script) with that python once per shape, just before
// our rows of the same shape, so both see the same machine load; --torch-json reads rows saved earlier.
// --unet benchmarks unet_256's smaller down-sampling convs instead; --single-worker plans every conv for
// one worker (tiles in order, OpenBLAS and im2col use the threads) to compare with the per-tile workers.
// --inference times, per same-size 3×3 conv shape (zero padding 1), our Winograd F(4×4,3×3) against oneDNN's
// direct and Winograd inference primitives (what InferenceForward chooses between).
// --profile prints, per ordinary conv and at 1 thread, the time of the steps of each pass (im2col,
// col2im and the gemms over all tiles) instead of the table.
import Foundation
import Kernels

// MARK: - Options

struct Options {
    var threads = [1, 2]
    var paths: [ConvolutionPath] = [.dnnl, .blas]
    var rounds = 5
    var minimumTime = 0.3
    var shapeFilter: String?
    var tileBytes = Conv2DTuning().tileBytes
    var torchJSON: String?
    var torchPython: String?
    var torchScript = "bench/torch_conv.py"
    var json = false
    var info = false
    var profile = false
    var unet = false
    var singleWorker = false
    var inference = false

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            func value() -> String {
                guard let next = iterator.next() else {
                    FileHandle.standardError.write("bench-kernels: \(argument) needs a value\n".data(using: .utf8)!)
                    exit(2)
                }
                return next
            }
            switch argument {
            case "--threads": threads = value().split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            case "--paths": paths = value().split(separator: ",").compactMap { ConvolutionPath(rawValue: String($0)) }
            case "--rounds": rounds = max(1, Int(value()) ?? rounds)
            case "--min-time": minimumTime = Double(value()) ?? minimumTime
            case "--shapes": shapeFilter = value()
            case "--tile-bytes": tileBytes = Int(value()) ?? tileBytes
            case "--torch-json": torchJSON = value()
            case "--torch-python": torchPython = value()
            case "--torch-script": torchScript = value()
            case "--json": json = true
            case "--info": info = true
            case "--profile": profile = true
            case "--unet": unet = true
            case "--single-worker": singleWorker = true
            case "--inference": inference = true
            default:
                FileHandle.standardError.write("bench-kernels: unknown option \(argument)\n".data(using: .utf8)!)
                exit(2)
            }
        }
    }
}

// MARK: - Shapes

/// One benchmarked layer: an ordinary or a transposed convolution.
struct Layer {
    var name: String
    var conv: Conv2DGeometry?
    var transposed: ConvTranspose2DGeometry?

    var multiplyAdds: Int { conv?.multiplyAdds ?? transposed!.multiplyAdds }
    var inputCount: Int {
        if let g = conv { return g.batch * g.inputChannels * g.inputPlane }
        let g = transposed!
        return g.batch * g.inputChannels * g.height * g.width
    }
    var outputCount: Int {
        if let g = conv { return g.batch * g.outputChannels * g.outputPlane }
        let g = transposed!
        return g.batch * g.outputChannels * g.outputHeight * g.outputWidth
    }
    var weightCount: Int {
        if let g = conv { return g.outputChannels * g.patchSize }
        let g = transposed!
        return g.inputChannels * g.outputChannels * g.kernelHeight * g.kernelWidth
    }
    func scratchCount(for path: ConvolutionPath) -> Int {
        conv?.scratchCount(for: path) ?? transposed!.scratchCount(for: path)
    }
}

func layers(options: Options) -> [Layer] {
    let tuning = Conv2DTuning(tileBytes: options.tileBytes, threads: options.singleWorker ? 1 : nil)
    func conv(_ name: String, _ cin: Int, _ cout: Int, _ size: Int, _ k: Int, _ s: Int, _ p: Int) -> Layer {
        Layer(name: name, conv: Conv2DGeometry(batch: 1, inputChannels: cin, outputChannels: cout, height: size,
                                               width: size, kernelHeight: k, kernelWidth: k, stride: s, padding: p,
                                               tuning: tuning))
    }
    func transposed(_ name: String, _ cin: Int, _ cout: Int, _ size: Int, _ k: Int, _ s: Int, _ p: Int,
                    _ op: Int) -> Layer {
        Layer(name: name, transposed: ConvTranspose2DGeometry(batch: 1, inputChannels: cin, outputChannels: cout,
                                                              height: size, width: size, kernelHeight: k,
                                                              kernelWidth: k, stride: s, padding: p,
                                                              outputPadding: op, tuning: tuning))
    }
    if options.unet {
        // The down-sampling convs of unet_256 below the first (k4 s2 p1), where images get small.
        return [
            conv("U 64→128 k4 s2 p1 @128²", 64, 128, 128, 4, 2, 1),
            conv("U 128→256 k4 s2 p1 @64²", 128, 256, 64, 4, 2, 1),
            conv("U 256→512 k4 s2 p1 @32²", 256, 512, 32, 4, 2, 1),
            conv("U 512→512 k4 s2 p1 @16²", 512, 512, 16, 4, 2, 1),
            conv("U 512→512 k4 s2 p1 @4²", 512, 512, 4, 4, 2, 1),
        ]
    }
    return [
        // resnet_9blocks (CycleGAN)
        conv("3→64 k7 p3 @256²", 3, 64, 256, 7, 1, 3),
        conv("64→128 k3 s2 p1 @256²", 64, 128, 256, 3, 2, 1),
        conv("256→256 k3 p1 @64²", 256, 256, 64, 3, 1, 1),
        conv("64→64 k3 p1 @256²", 64, 64, 256, 3, 1, 1),
        transposed("T 256→128 k3 s2 p1 op1 @64²", 256, 128, 64, 3, 2, 1, 1),
        // unet_256 and the PatchGAN discriminator (pix2pix)
        conv("6→64 k4 s2 p1 @256²", 6, 64, 256, 4, 2, 1),
        conv("64→128 k4 s2 p1 @128²", 64, 128, 128, 4, 2, 1),
        conv("128→256 k4 s2 p1 @64²", 128, 256, 64, 4, 2, 1),
        transposed("T 128→64 k4 s2 p1 @64²", 128, 64, 64, 4, 2, 1, 0),
        // SRResNet
        conv("3→64 k9 p4 @96²", 3, 64, 96, 9, 1, 4),
        conv("64→64 k3 p1 @96²", 64, 64, 96, 3, 1, 1),
    ]
}

enum Pass: String, CaseIterable { case forward, backwardInput = "input-grad", backwardWeight = "weight-grad" }

/// Buffers for one layer: x, w, dy filled with values in [-1, 1).
final class Buffers {
    let x, w, dy: UnsafeMutablePointer<Float>
    let layer: Layer

    init(_ layer: Layer) {
        self.layer = layer
        x = AlignedMemory.allocate(count: layer.inputCount)
        w = AlignedMemory.allocate(count: layer.weightCount)
        dy = AlignedMemory.allocate(count: layer.outputCount)
        var state: UInt32 = 12345
        for (p, n) in [(x, layer.inputCount), (w, layer.weightCount), (dy, layer.outputCount)] {
            for i in 0..<n {
                state = state &* 1_664_525 &+ 1_013_904_223
                p[i] = (Float(state >> 8) / Float(1 << 24)) * 2 - 1
            }
        }
    }

    deinit {
        AlignedMemory.deallocate(x)
        AlignedMemory.deallocate(w)
        AlignedMemory.deallocate(dy)
    }

    /// Runs one pass the way the op does: fresh output and scratch, then the kernel. Calls `inspect`
    /// with the result before freeing it.
    func run(_ pass: Pass, path: ConvolutionPath, inspect: ((UnsafeBufferPointer<Float>) -> Void)? = nil) {
        let count: Int
        switch pass {
        case .forward: count = layer.outputCount
        case .backwardInput: count = layer.inputCount
        case .backwardWeight: count = layer.weightCount
        }
        let result = AlignedMemory.allocate(count: count)
        defer { AlignedMemory.deallocate(result) }
        Scratch.with(count: layer.scratchCount(for: path)) { s in
            if let g = layer.conv {
                switch pass {
                case .forward: Conv2DKernels.forward(g, x: x, w: w, bias: nil, y: result, scratch: s, path: path)
                case .backwardInput:
                    Conv2DKernels.backwardInput(g, dy: dy, w: w, dx: result, scratch: s, path: path)
                case .backwardWeight:
                    Conv2DKernels.backwardWeight(g, dy: dy, x: x, dw: result, scratch: s, path: path)
                }
            } else if let g = layer.transposed {
                switch pass {
                case .forward:
                    ConvTranspose2DKernels.forward(g, x: x, w: w, bias: nil, y: result, scratch: s, path: path)
                case .backwardInput:
                    ConvTranspose2DKernels.backwardInput(g, dy: dy, w: w, dx: result, scratch: s, path: path)
                case .backwardWeight:
                    ConvTranspose2DKernels.backwardWeight(g, dy: dy, x: x, dw: result, scratch: s, path: path)
                }
            }
        }
        inspect?(UnsafeBufferPointer(start: result, count: count))
    }
}

// MARK: - Timing

func now() -> (wall: Double, cpu: Double) {
    var wall = timespec(), cpu = timespec()
    clock_gettime(CLOCK_MONOTONIC, &wall)
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu)
    return (Double(wall.tv_sec) + Double(wall.tv_nsec) * 1e-9, Double(cpu.tv_sec) + Double(cpu.tv_nsec) * 1e-9)
}

struct Measurement: Codable {
    var shape: String
    var path: String
    var pass: String
    var threads: Int
    var ms: Double
    var gflops: Double
    var cpuWall: Double
}

/// Best per-call time over `rounds` rounds of at least `minimumTime` seconds, and the cpu/wall ratio of
/// the round that gave it.
func measure(_ body: () -> Void, rounds: Int, minimumTime: Double) -> (seconds: Double, cpuWall: Double) {
    body()  // warm-up: page faults, OpenBLAS thread start
    var best = Double.infinity, bestRatio = 0.0
    for _ in 0..<rounds {
        let start = now()
        var calls = 0
        var end = start
        repeat {
            body()
            calls += 1
            end = now()
        } while end.wall - start.wall < minimumTime
        let perCall = (end.wall - start.wall) / Double(calls)
        if perCall < best {
            best = perCall
            bestRatio = (end.cpu - start.cpu) / (end.wall - start.wall)
        }
    }
    return (best, bestRatio)
}

// MARK: - PyTorch rows

struct TorchRow: Codable {
    var shape: String
    var pass: String
    var threads: Int
    var ms: Double
    var cpuWall: Double?
}

struct TorchReport: Codable {
    var torch: String?
    var rows: [TorchRow]
}

/// Runs the PyTorch twin for one shape; nil (and a note on stderr) when it fails.
func runTorch(shape: String, options: Options) -> TorchReport? {
    guard let python = options.torchPython else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [options.torchScript, "--shape", shape,
                         "--threads", options.threads.map(String.init).joined(separator: ","),
                         "--rounds", String(options.rounds), "--min-time", String(options.minimumTime)]
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        FileHandle.standardError.write("bench-kernels: cannot run \(python): \(error)\n".data(using: .utf8)!)
        return nil
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let message = "bench-kernels: \(options.torchScript) failed for \(shape)\n"
        FileHandle.standardError.write(message.data(using: .utf8)!)
        return nil
    }
    return try? JSONDecoder().decode(TorchReport.self, from: data)
}

func loadTorch(_ path: String?) -> TorchReport? {
    guard let path, let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
    return try? JSONDecoder().decode(TorchReport.self, from: data)
}

// MARK: - Main

let options = Options(Array(CommandLine.arguments.dropFirst()))
AlignedMemory.configureAllocator()

if options.info {
    print("CPU: \(MachineInfo.cpuModel); oneDNN \(MachineInfo.dnnlVersion), ISA \(MachineInfo.dnnlISA)")
    print("OpenBLAS core: \(Parallel.blasCoreName); default threads: \(Parallel.defaultThreadCount); "
          + "OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset")")
    exit(0)
}

/// Times the steps of the three passes of `g` separately, at the current thread setting, with the same
/// tiles as the kernels: im2col alone, the forward gemm alone, the backward-input gemm alone, col2im alone,
/// the backward-weight gemm alone.
func profile(_ layer: Layer, _ buffers: Buffers, options: Options) {
    guard let g = layer.conv, !g.isPointwise else { return }
    let plan = Conv2DPlan(g, threads: 1)
    let (C, O, K, P, Wo) = (g.inputChannels, g.outputChannels, g.patchSize, g.outputPlane, g.outputWidth)
    let col = AlignedMemory.allocate(count: plan.colCount)
    let out = AlignedMemory.allocate(count: max(layer.outputCount, layer.inputCount, layer.weightCount))
    defer { AlignedMemory.deallocate(col); AlignedMemory.deallocate(out) }
    func each(_ body: (Int, Range<Int>, Int, Int) -> Void) {
        for index in 0..<plan.tileCount {
            let (n, rows) = plan.tile(index)
            body(n, rows, rows.count * Wo, rows.lowerBound * Wo)
        }
    }
    let steps: [(String, () -> Void)] = [
        ("im2col", { each { n, rows, _, _ in
            Conv2DKernels.im2col(g, x: buffers.x + n * C * g.inputPlane, col: col, rows: rows) } }),
        ("gemm forward", { each { _, _, L, start in
            BLAS.gemm(m: O, n: L, k: K, a: buffers.w, lda: K, b: col, ldb: L, c: out + start, ldc: P) } }),
        ("gemm input-grad", { each { _, _, L, start in
            BLAS.gemm(transposeA: true, m: K, n: L, k: O, a: buffers.w, lda: K, b: buffers.dy + start, ldb: P,
                      c: col, ldc: L) } }),
        ("col2im", { each { n, rows, _, _ in
            Conv2DKernels.col2im(g, col: col, dx: out + n * C * g.inputPlane, rows: rows,
                                 overwrite: rows.lowerBound == 0) } }),
        ("gemm weight-grad", { each { _, _, L, start in
            BLAS.gemm(transposeB: true, m: O, n: K, k: L, a: buffers.dy + start, lda: P, b: col, ldb: L,
                      beta: start == 0 ? 0 : 1, c: out, ldc: K) } }),
    ]
    print("\(layer.name), \(plan.tileCount) tiles of \(plan.rowsPerTile) rows (\((plan.colCount * 4) >> 10) KiB):")
    for (name, body) in steps {
        let (seconds, _) = measure(body, rounds: options.rounds, minimumTime: options.minimumTime)
        let gflops = 2 * Double(layer.multiplyAdds) / seconds / 1e9
        let rate = name.hasPrefix("gemm") ? String(format: ", %.1f GFLOP/s", gflops) : ""
        let label = name.padding(toLength: 20, withPad: " ", startingAt: 0)
        print("  " + label + String(format: "%7.2f ms", seconds * 1e3) + rate)
    }
}

/// GFLOP/s of one square 1024³ sgemm on the current threads: what OpenBLAS reaches on this machine
/// right now, as a yardstick for the conv rows (the conv gemms cannot beat it by much).
func measureSquareGemm(options: Options) -> Double {
    let n = 1024
    let a = AlignedMemory.allocate(count: n * n), b = AlignedMemory.allocate(count: n * n)
    let c = AlignedMemory.allocate(count: n * n)
    defer { AlignedMemory.deallocate(a); AlignedMemory.deallocate(b); AlignedMemory.deallocate(c) }
    for i in 0..<(n * n) { a[i] = Float(i % 7) * 0.25 - 0.5; b[i] = Float(i % 5) * 0.25 - 0.5 }
    let (seconds, _) = measure({ BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n) },
                               rounds: 3, minimumTime: min(0.2, options.minimumTime))
    return 2 * Double(n * n * n) / seconds / 1e9
}

var measurements: [Measurement] = []
var checks: [String] = []
let selected = layers(options: options).filter { layer in
    options.shapeFilter.map { layer.name.contains($0) } ?? true
}

/// Same-size 3×3 shapes of the generators' inference: our Winograd vs oneDNN direct and Winograd.
func benchmarkInference(options: Options) {
    let shapes = [(256, 64, 1), (64, 256, 1), (64, 96, 1), (128, 128, 1), (512, 16, 1), (64, 96, 4)]
    print("| shape | threads | our Winograd ms | oneDNN direct ms | oneDNN Winograd ms |")
    print("| --- | --: | --: | --: | --: |")
    for (channels, size, batch) in shapes {
        let name = "\(batch)×\(channels)→\(channels) k3 p1 @\(size)²"
        if let filter = options.shapeFilter, !name.contains(filter) { continue }
        let g = Conv2DGeometry(batch: batch, inputChannels: channels, outputChannels: channels, height: size,
                               width: size, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: 1)
        let wg = WinogradGeometry(inputChannels: channels, outputChannels: channels, height: size, width: size,
                                  reflect: false)
        let layer = Layer(name: name, conv: g)
        let buffers = Buffers(layer)
        let u = AlignedMemory.allocate(count: 36 * channels * channels)
        let y = AlignedMemory.allocate(count: layer.outputCount)
        let bias = AlignedMemory.allocate(count: channels)
        bias.update(repeating: 0.5, count: channels)
        defer { AlignedMemory.deallocate(u); AlignedMemory.deallocate(y); AlignedMemory.deallocate(bias) }
        WinogradKernels.transformWeights(outputChannels: channels, inputChannels: channels, w: buffers.w, u: u)
        let plane = size * size
        let ours = {
            Scratch.with(count: wg.scratchCount) { scratch in
                for n in 0..<batch {
                    WinogradKernels.forward(wg, x: buffers.x + n * channels * plane, u: u, bias: bias,
                                            y: y + n * channels * plane, scratch: scratch.baseAddress!)
                }
            }
        }
        // Weights reordered once, as InferenceForward keeps them.
        let prepared = DNNL.PreparedWeights(buffers.w)
        let direct = { DNNL.convolutionForward(g, x: buffers.x, prepared: prepared, bias: bias, y: y) }
        let winograd = DNNL.supports(g, algorithm: .winograd)
        for threads in options.threads {
            Parallel.setThreadCount(threads)
            func time(_ body: () -> Void) -> String {
                let (seconds, ratio) = measure(body, rounds: options.rounds, minimumTime: options.minimumTime)
                return String(format: "%.2f (%.2f)", seconds * 1e3, ratio)
            }
            let wino = winograd ? time {
                DNNL.convolutionForward(g, x: buffers.x, prepared: prepared, bias: bias, y: y, algorithm: .winograd)
            } : "not offered"
            print("| \(name) | \(threads) | \(time(ours)) | \(time(direct)) | \(wino) |")
        }
    }
}

if options.inference {
    print("oneDNN \(MachineInfo.dnnlVersion), ISA \(MachineInfo.dnnlISA); ms (cpu/wall)")
    benchmarkInference(options: options)
    exit(0)
}

if options.profile {
    Parallel.setThreadCount(1)
    for layer in selected { profile(layer, Buffers(layer), options: options) }
    exit(0)
}

// The yardstick first: it also lets OpenBLAS's threads finish their start-up spin before any row.
let gemmRates = options.threads.map { threads -> String in
    Parallel.setThreadCount(threads)
    let rate = measureSquareGemm(options: options)
    return String(format: "%.0f GFLOP/s at %d thread%@", rate, threads, threads == 1 ? "" : "s")
}.joined(separator: ", ")
var torch = loadTorch(options.torchJSON)
for layer in selected {
    if let report = runTorch(shape: layer.name, options: options) {
        torch = TorchReport(torch: report.torch, rows: (torch?.rows ?? []) + report.rows)
    }
    let buffers = Buffers(layer)
    // Neither the split over threads nor the path may change the result: compare each pass on every path
    // and thread count with the first path at 1 thread.
    for pass in Pass.allCases {
        var reference: [Float] = []
        Parallel.setThreadCount(1)
        buffers.run(pass, path: options.paths[0]) { reference = Array($0) }
        // Summation order differs between the splits, so compare against the scale of the result.
        let scale = reference.reduce(Float(0)) { max($0, abs($1)) }
        for path in options.paths {
            for threads in Set(options.threads + [1]).sorted() where path != options.paths[0] || threads > 1 {
                Parallel.setThreadCount(threads)
                var worst: Float = 0
                buffers.run(pass, path: path) { result in
                    for i in 0..<result.count { worst = max(worst, abs(result[i] - reference[i])) }
                }
                if !(worst <= 1e-5 * scale) {
                    checks.append("\(layer.name) \(pass.rawValue): \(path) at \(threads) threads differs from "
                                  + "\(options.paths[0]) at 1 by \(worst) (largest value \(scale))")
                }
            }
        }
    }
    for threads in options.threads {
        Parallel.setThreadCount(threads)
        for pass in Pass.allCases {
            for path in options.paths {
                let (seconds, ratio) = measure({ buffers.run(pass, path: path) }, rounds: options.rounds,
                                               minimumTime: options.minimumTime)
                measurements.append(Measurement(shape: layer.name, path: path.rawValue, pass: pass.rawValue,
                                                threads: threads, ms: seconds * 1e3,
                                                gflops: 2 * Double(layer.multiplyAdds) / seconds / 1e9, cpuWall: ratio))
            }
        }
    }
}

if options.json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(measurements), as: UTF8.self))
    exit(0)
}

print("CPU: \(MachineInfo.cpuModel); features \(MachineInfo.vectorFeatures.joined(separator: " "))")
print("Ours: Conv2DKernels/ConvTranspose2DKernels called directly, output and scratch allocated per call; paths "
      + "dnnl = oneDNN \(MachineInfo.dnnlVersion) ISA \(MachineInfo.dnnlISA) (plain NCHW in/out, reorders per call), "
      + "blas = im2col + OpenBLAS (core \(Parallel.blasCoreName), col tile \(options.tileBytes >> 10) KiB); "
      + "best of \(options.rounds) rounds ≥ \(options.minimumTime) s.")
print("PyTorch: F.conv2d / F.conv_transpose2d forward under no_grad, autograd.grad for each gradient, "
      + "run per shape just before ours. 1024³ sgemm now: \(gemmRates); torch \(torch?.torch ?? "n/a").")
print("Each time is ms (cpu/wall of its best round); ratios are ours / PyTorch (< 1 is faster).")
print("")
let pathNames = options.paths.map(\.rawValue)
print("| shape | pass | threads | " + pathNames.map { "\($0) ms" }.joined(separator: " | ") + " | torch ms | "
      + pathNames.map { "\($0)/torch" }.joined(separator: " | ") + " |")
print("| --- | --- | --: | " + Array(repeating: "--:", count: 2 * pathNames.count + 1).joined(separator: " | ") + " |")
var printed = Set<String>()
for m in measurements where printed.insert("\(m.shape)|\(m.pass)|\(m.threads)").inserted {
    let row = torch?.rows.first { $0.shape == m.shape && $0.pass == m.pass && $0.threads == m.threads }
    let ours = pathNames.map { name in
        measurements.first { $0.shape == m.shape && $0.pass == m.pass && $0.threads == m.threads && $0.path == name }
    }
    let oursText = ours.map { o in o.map { String(format: "%.2f (%.2f)", $0.ms, $0.cpuWall) } ?? "n/a" }
    let torchText = row.map { String(format: "%.2f (%.2f)", $0.ms, $0.cpuWall ?? .nan) } ?? "n/a"
    let ratios = ours.map { o -> String in
        guard let o, let row else { return "n/a" }
        return String(format: "%.2f", o.ms / row.ms)
    }
    print("| \(m.shape) | \(m.pass) | \(m.threads) | " + oursText.joined(separator: " | ") + " | \(torchText) | "
          + ratios.joined(separator: " | ") + " |")
}
print("")
for layer in selected {
    guard let g = layer.conv ?? layer.transposed?.adjoint else { continue }
    let passes: [DNNL.Pass] = layer.conv != nil ? [.forward, .backwardData, .backwardWeights]
        : [.backwardData, .forward, .backwardWeights]  // transposed: fwd = adjoint's bwd-data, and so on
    let names = passes.map { DNNL.implementation(g, pass: $0) ?? "none" }
    print("- oneDNN implementations for \(layer.name) (forward / input-grad / weight-grad): "
          + names.joined(separator: " / "))
}
if !checks.isEmpty {
    print("")
    for check in checks { print("CHECK FAILED: \(check)") }
    exit(1)
}
