import Dispatch
import Foundation

/// Which implementation runs convolutions and transposed convolutions.
///
/// `TRANSLATE_CONV=blas|dnnl` picks it for the process. Unset, it is `dnnl` when OpenBLAS runs kernels
/// below the CPU's vector level (a CPU newer than its model table: there oneDNN was 3× faster, issue 13),
/// else `blas`: where OpenBLAS knows the CPU, im2col + OpenBLAS measured as fast or faster than oneDNN 2.6
/// on our layers (bench/sections/10-conv.sh; oneDNN is slow on the few-channel first layers and pays
/// reorders to and from its blocked layouts on every call). Tests run each case on both paths with
/// `ConvolutionPath.$override`.
public enum ConvolutionPath: String, Sendable, CaseIterable {
    /// im2col + OpenBLAS sgemm (this file).
    case blas
    /// oneDNN's convolution primitives (`DNNL.swift`).
    case dnnl

    /// Set by tests and benchmarks for the work inside `$override.withValue(_:operation:)`.
    @TaskLocal public static var override: ConvolutionPath?

    /// `TRANSLATE_CONV` when set to a known name, else `.dnnl` if OpenBLAS's kernels are below the CPU,
    /// else `.blas`.
    public static let configured: ConvolutionPath = {
        if let path = fromEnvironment { return path }
        return MachineInfo.blasCoreIsBelowCPU ? .dnnl : .blas
    }()

    /// The path `TRANSLATE_CONV` names, nil when unset or unknown (the CLI rejects unknown names).
    public static var fromEnvironment: ConvolutionPath? {
        ProcessInfo.processInfo.environment["TRANSLATE_CONV"].flatMap { ConvolutionPath(rawValue: $0.lowercased()) }
    }

    /// The path in effect: the task's override, else the configured one.
    public static var current: ConvolutionPath { override ?? configured }
}

/// Shape of one 2-D convolution (NCHW input, OIHW weight), shared by its three kernels.
///
/// The weight is used as the row-major matrix `W[O, K]` with `K = C·kh·kw`; the input patches of
/// one image form `col[K, Ho·Wo]` (im2col), so `y = W · col` is one gemm.
package struct Conv2DGeometry: Hashable, Sendable {
    package var batch, inputChannels, outputChannels, height, width: Int
    package var kernelHeight, kernelWidth, stride, padding: Int
    /// How the work is cut up; only benchmarks and tests change it.
    package var tuning: Conv2DTuning

    package init(
        batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, tuning: Conv2DTuning = .init()
    ) {
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.tuning = tuning
    }

    package var outputHeight: Int { (height + 2 * padding - kernelHeight) / stride + 1 }
    package var outputWidth: Int { (width + 2 * padding - kernelWidth) / stride + 1 }
    /// `K`, the length of one flattened input patch: `C·kh·kw`.
    package var patchSize: Int { inputChannels * kernelHeight * kernelWidth }
    package var inputPlane: Int { height * width }
    package var outputPlane: Int { outputHeight * outputWidth }

    /// True when every size is positive and the kernel fits the padded input.
    package var isValid: Bool {
        batch > 0 && inputChannels > 0 && outputChannels > 0 && height > 0 && width > 0
            && kernelHeight > 0 && kernelWidth > 0 && stride > 0 && padding >= 0
            && height + 2 * padding >= kernelHeight && width + 2 * padding >= kernelWidth
    }

    /// 1×1, stride 1, no padding: `col` is the input itself, so im2col/col2im are skipped.
    package var isPointwise: Bool { kernelHeight == 1 && kernelWidth == 1 && stride == 1 && padding == 0 }

    /// Multiply-adds of one pass (forward, backward-input and backward-weight each cost this).
    package var multiplyAdds: Int { batch * outputChannels * patchSize * outputPlane }

    /// How the kernels split the work for the current thread setting (or `tuning.threads`).
    package var plan: Conv2DPlan { Conv2DPlan(self, threads: tuning.threads ?? Parallel.threadCount) }

    /// Floats of scratch that `forward`, `backwardInput` and `backwardWeight` need with `plan`.
    package var scratchCount: Int { plan.scratchCount }

    /// Floats of scratch the kernels need on `path` (oneDNN manages its own).
    package func scratchCount(for path: ConvolutionPath) -> Int { path == .dnnl ? 0 : scratchCount }
}

/// Knobs of `Conv2DPlan`. The defaults were measured best on the benchmark shapes; tests shrink them to
/// reach every code path on tiny tensors.
package struct Conv2DTuning: Hashable, Sendable {
    /// Target size of one col tile: 2 MiB (≈ one core's L2) measured best or equal among 1–16 MiB.
    package var tileBytes = 2 << 20
    /// Threads to plan for; nil means `Parallel.threadCount` when the kernel runs.
    package var threads: Int? = nil
    /// Output pixels (over the batch) per worker below which the work is not split into per-worker tiles.
    /// On unet_256's 16²→8² and 32²→16² convs the split cost up to 3×: the weight-gradient partial sums of
    /// a 512·8192 weight outweigh 64 pixels of work.
    package var minimumPixelsPerWorker = 1024
    /// Output pixels below which a single worker sums the weight gradient straight into `dw` instead of
    /// as a `dwᵀ` partial that is transposed at the end (the transpose pays off only on large images).
    package var minimumPixelsForTransposedWeightGradient = 4096

    package init(
        tileBytes: Int = 2 << 20, threads: Int? = nil, minimumPixelsPerWorker: Int = 1024,
        minimumPixelsForTransposedWeightGradient: Int = 4096
    ) {
        self.tileBytes = tileBytes
        self.threads = threads
        self.minimumPixelsPerWorker = minimumPixelsPerWorker
        self.minimumPixelsForTransposedWeightGradient = minimumPixelsForTransposedWeightGradient
    }
}

/// The tiling of one convolution: output rows are cut into tiles whose col buffer `[K, rows·Wo]` stays
/// near `tileBytes`, so im2col writes and the gemm reads it from cache instead of streaming a
/// 36–144 MiB buffer through DRAM (PERF-NOTES §3).
///
/// With more than one thread and enough pixels, `workers` threads each take whole tiles (own col tile,
/// single-threaded gemm) from a shared counter, so a core that another process holds just does fewer
/// tiles (PERF-NOTES P7). With one worker, the tiles run in order and OpenBLAS and im2col use the threads.
package struct Conv2DPlan: Hashable, Sendable {
    package let batch, outputHeight, rowsPerTile, tilesPerImage, workers: Int
    /// Floats of one col tile.
    package let colCount: Int
    /// Floats of one worker's weight-gradient partial sum (`K·O`).
    package let partialCount: Int
    /// The weight gradient is summed per worker as `dwᵀ[K, O] = col · dyᵀ` (3–9 % faster gemm on large
    /// images) and transposed at the end; otherwise it is summed straight into `dw` as `dy · colᵀ`.
    package let transposedWeightGradient: Bool

    package init(_ g: Conv2DGeometry, threads: Int) {
        batch = g.batch
        outputHeight = g.outputHeight
        let pixels = g.batch * g.outputPlane
        let split = g.isPointwise ? 1 : max(1, min(threads, pixels / max(1, g.tuning.minimumPixelsPerWorker)))
        let rowBytes = g.patchSize * g.outputWidth * MemoryLayout<Float>.stride
        var rows = max(1, min(g.outputHeight, g.tuning.tileBytes / max(1, rowBytes)))
        if split > 1 {
            // At least ~4 tiles per worker, so the dynamic split balances.
            let tilesWanted = (4 * split + g.batch - 1) / g.batch
            rows = max(1, min(rows, (g.outputHeight + tilesWanted - 1) / tilesWanted))
        }
        rowsPerTile = rows
        tilesPerImage = (g.outputHeight + rows - 1) / rows
        workers = max(1, min(split, g.batch * tilesPerImage))
        colCount = g.isPointwise ? 0 : g.patchSize * rows * g.outputWidth
        // Several workers always need their own partials.
        transposedWeightGradient = !g.isPointwise
            && (workers > 1 || pixels >= g.tuning.minimumPixelsForTransposedWeightGradient)
        partialCount = transposedWeightGradient ? g.outputChannels * g.patchSize : 0
    }

    package var tileCount: Int { batch * tilesPerImage }

    /// A col tile and (with `transposedWeightGradient`) a weight-gradient partial for every worker.
    package var scratchCount: Int { workers * (colCount + partialCount) }

    /// Image and output rows of tile `index`.
    @inline(__always)
    package func tile(_ index: Int) -> (n: Int, rows: Range<Int>) {
        let n = index / tilesPerImage, start = (index % tilesPerImage) * rowsPerTile
        return (n, start..<min(outputHeight, start + rowsPerTile))
    }
}

/// A shared "next tile" counter for the workers.
final class TileCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next: Int

    init(start: Int) { next = start }

    func take() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next - 1
    }
}

/// Convolution as im2col + sgemm (PERF-NOTES §3), tiled over output rows.
///
/// Legend: `n` image, `c` input channel, `o` output channel, `kh, kw` kernel size, `s` stride,
/// `p` padding, `(oy, ox)` output pixel, `(iy, ix)` input pixel with `iy = oy·s − p + ky`,
/// `K = C·kh·kw`, `L` the column count of one col tile (`rows·Wo`), `x, y, w, dy, dx, dw` as usual.
package enum Conv2DKernels {
    /// `y[N, O, Ho, Wo] = w[O, C, kh, kw] ⋆ x[N, C, H, W] (+ bias[O])`. Overwrites `y`.
    /// - Parameter scratch: at least `g.scratchCount` floats, overwritten.
    package static func forward(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>, path: ConvolutionPath = .current
    ) {
        if path == .dnnl {
            DNNL.convolutionForward(g, x: x, w: w, bias: bias, y: y)
            return
        }
        let (C, O, K, P, Wo) = (g.inputChannels, g.outputChannels, g.patchSize, g.outputPlane, g.outputWidth)
        let beta: Float = bias == nil ? 0 : 1  // with a bias, y starts as the bias and the gemm adds to it
        if g.isPointwise {
            for n in 0..<g.batch {
                let yn = y + n * O * P
                if let bias { for o in 0..<O { (yn + o * P).update(repeating: bias[o], count: P) } }
                BLAS.gemm(m: O, n: P, k: K, a: w, lda: K, b: x + n * C * P, ldb: P, beta: beta, c: yn, ldc: P)
            }
            return
        }
        let plan = checkedPlan(g, scratch)
        runTiles(plan) { worker, index in
            let (n, rows) = plan.tile(index)
            let L = rows.count * Wo, start = rows.lowerBound * Wo
            let col = scratch.baseAddress! + worker * plan.colCount
            let yt = y + n * O * P + start
            im2col(g, x: x + n * C * g.inputPlane, col: col, rows: rows, parallel: plan.workers == 1)
            if let bias { for o in 0..<O { (yt + o * P).update(repeating: bias[o], count: L) } }
            BLAS.gemm(m: O, n: L, k: K, a: w, lda: K, b: col, ldb: L, beta: beta, c: yt, ldc: P)
        }
    }

    /// `dx = col2im(wᵀ · dy)`: the gradient of `forward` with respect to `x`. Overwrites `dx`.
    /// - Parameter scratch: at least `g.scratchCount` floats, overwritten.
    package static func backwardInput(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>, path: ConvolutionPath = .current
    ) {
        if path == .dnnl {
            DNNL.convolutionBackwardData(g, dy: dy, w: w, dx: dx)
            return
        }
        let (C, O, K, P, Wo) = (g.inputChannels, g.outputChannels, g.patchSize, g.outputPlane, g.outputWidth)
        if g.isPointwise {
            for n in 0..<g.batch {
                BLAS.gemm(transposeA: true, m: K, n: P, k: O, a: w, lda: K, b: dy + n * O * P, ldb: P,
                          c: dx + n * C * P, ldc: P)
            }
            return
        }
        let plan = checkedPlan(g, scratch)
        let single = plan.workers == 1
        // Tiles add into overlapping input rows (the kernel's halo). With several workers, dx is zeroed
        // first and tiles run in phases: tiles `phases` apart never touch the same input row, because
        // (phases − 1)·rows·s ≥ kh − s.
        let reach = (g.kernelHeight + g.stride - 1) / g.stride - 1  // output rows whose inputs overlap
        let phases = single ? 1 : 1 + (reach + plan.rowsPerTile - 1) / plan.rowsPerTile
        if !single {
            let total = g.batch * C * g.inputPlane
            Parallel.forEachChunk(count: total, minimumChunk: 1 << 16) { r in
                (dx + r.lowerBound).update(repeating: 0, count: r.count)
            }
        }
        for phase in 0..<phases {
            runTiles(plan, only: { index in (index % plan.tilesPerImage) % phases == phase }) { worker, index in
                let (n, rows) = plan.tile(index)
                let L = rows.count * Wo, start = rows.lowerBound * Wo
                let col = scratch.baseAddress! + worker * plan.colCount
                // col[K, L] = w[O, K]ᵀ · dy[O, tile]
                BLAS.gemm(transposeA: true, m: K, n: L, k: O, a: w, lda: K, b: dy + n * O * P + start, ldb: P,
                          c: col, ldc: L)
                col2im(g, col: UnsafePointer(col), dx: dx + n * C * g.inputPlane, rows: rows,
                       overwrite: single && rows.lowerBound == 0, parallel: single)
            }
        }
    }

    /// `dw = Σₙ dyₙ · colₙᵀ`: the gradient of `forward` with respect to `w` (and `db`, when given, the bias
    /// gradient). Overwrites `dw` and `db`.
    /// - Parameter scratch: at least `g.scratchCount` floats, overwritten.
    package static func backwardWeight(
        _ g: Conv2DGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>? = nil,
        scratch: UnsafeMutableBufferPointer<Float>, path: ConvolutionPath = .current
    ) {
        if path == .dnnl {
            DNNL.convolutionBackwardWeights(g, dy: dy, x: x, dw: dw, db: db)
            return
        }
        if let db { channelSums(dy, db: db, batch: g.batch, channels: g.outputChannels, plane: g.outputPlane) }
        let (C, O, K, P, Wo) = (g.inputChannels, g.outputChannels, g.patchSize, g.outputPlane, g.outputWidth)
        if g.isPointwise {
            for n in 0..<g.batch {
                BLAS.gemm(transposeB: true, m: O, n: K, k: P, a: dy + n * O * P, lda: P, b: x + n * C * P, ldb: P,
                          beta: n == 0 ? 0 : 1, c: dw, ldc: K)
            }
            return
        }
        let plan = checkedPlan(g, scratch)
        if !plan.transposedWeightGradient {
            // Small images, one worker: dw[O, K] (+)= dy[O, tile] · col[K, L]ᵀ tile after tile.
            for index in 0..<plan.tileCount {
                let (n, rows) = plan.tile(index)
                let L = rows.count * Wo, start = rows.lowerBound * Wo
                im2col(g, x: x + n * C * g.inputPlane, col: scratch.baseAddress!, rows: rows)
                BLAS.gemm(transposeB: true, m: O, n: K, k: L, a: dy + n * O * P + start, lda: P,
                          b: scratch.baseAddress!, ldb: L, beta: index == 0 ? 0 : 1, c: dw, ldc: K)
            }
            return
        }
        // Each worker sums dwᵀ[K, O] = Σ col · dyᵀ over its tiles into its own partial: this orientation of
        // the gemm measured 3–9 % faster than dy · colᵀ on every large benchmark shape. `started[k]` says whether
        // worker k has written its partial yet (its first product overwrites, later ones accumulate).
        let partials = scratch.baseAddress! + plan.workers * plan.colCount
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: plan.workers) { started in
            started.initialize(repeating: false)
            runTiles(plan) { worker, index in
                let (n, rows) = plan.tile(index)
                let L = rows.count * Wo, start = rows.lowerBound * Wo
                let col = scratch.baseAddress! + worker * plan.colCount
                im2col(g, x: x + n * C * g.inputPlane, col: col, rows: rows, parallel: plan.workers == 1)
                // partial[K, O] (+)= col[K, L] · dy[O, tile]ᵀ
                BLAS.gemm(transposeB: true, m: K, n: O, k: L, a: col, lda: L, b: dy + n * O * P + start, ldb: P,
                          beta: started[worker] ? 1 : 0, c: partials + worker * plan.partialCount, ldc: O)
                started[worker] = true
            }
            sumTransposed(partials, started: UnsafeBufferPointer(started), rows: K, columns: O, into: dw)
        }
    }

    /// `out[o, k] = Σ_{w started} partials_w[k, o]`: adds up the workers' `[K, O]` partials and transposes
    /// them into `out[O, K]`, 16 partial rows at a time so they stay in cache while `o` runs.
    static func sumTransposed(
        _ partials: UnsafePointer<Float>, started: UnsafeBufferPointer<Bool>, rows K: Int, columns O: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let size = K * O
        Parallel.forEachChunk(count: O, minimumChunk: max(1, 16384 / max(1, K))) { chunk in
            var k0 = 0
            while k0 < K {
                let k1 = min(K, k0 + 16)
                for o in chunk {
                    for k in k0..<k1 {
                        var total: Float = 0
                        for w in 0..<started.count where started[w] { total += partials[w * size + k * O + o] }
                        out[o * K + k] = total
                    }
                }
                k0 = k1
            }
        }
    }

    /// The plan for `g`, checked against the scratch the caller sized.
    @inline(__always)
    static func checkedPlan(_ g: Conv2DGeometry, _ scratch: UnsafeMutableBufferPointer<Float>) -> Conv2DPlan {
        let plan = g.plan
        precondition(scratch.count >= plan.scratchCount,
                     "conv scratch holds \(scratch.count) floats, the plan needs \(plan.scratchCount) "
                     + "(was the thread count changed between sizing and the call?)")
        return plan
    }

    /// Runs `body(worker, tile)` for every tile (that `only` accepts). One worker: in order, on this
    /// thread. Several: each worker takes the next tile from a shared counter, with OpenBLAS set to one
    /// thread meanwhile so the workers' gemms do not oversubscribe the cores.
    @inline(__always)
    static func runTiles(_ plan: Conv2DPlan, only: (Int) -> Bool = { _ in true }, _ body: (Int, Int) -> Void) {
        if plan.workers == 1 {
            for index in 0..<plan.tileCount where only(index) { body(0, index) }
            return
        }
        // Worker w starts with tile w, then takes the next untaken one. The fixed first tile makes every
        // worker's code path run even when Dispatch runs the iterations one after another on a busy pool.
        let counter = TileCounter(start: plan.workers)
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(Parallel.threadCount) }
        DispatchQueue.concurrentPerform(iterations: plan.workers) { worker in
            var index = worker
            while index < plan.tileCount {
                if only(index) { body(worker, index) }
                index = counter.take()
            }
        }
    }

    /// The output columns `ox` whose input column `ox·s − p + kx` lies inside `0..<W`.
    @inline(__always)
    static func validColumns(_ g: Conv2DGeometry, kx: Int) -> Range<Int> {
        let (s, p) = (g.stride, g.padding)
        // ox·s − p + kx ≥ 0  ⟺  ox ≥ ⌈(p − kx)/s⌉
        let low = p - kx <= 0 ? 0 : (p - kx + s - 1) / s
        // ox·s − p + kx ≤ W − 1  ⟺  ox ≤ ⌊(W − 1 + p − kx)/s⌋
        let last = g.width - 1 + p - kx
        let high = last < 0 ? 0 : min(g.outputWidth, last / s + 1)
        return low < high ? low..<high : 0..<0
    }

    // MARK: - im2col / col2im

    /// `col[(c·kh + ky)·kw + kx, (oy − oy₀)·Wo + ox] = x[c, oy·s − p + ky, ox·s − p + kx]`, zero
    /// outside the image, for the output rows `oy ∈ rows` of one image. With `parallel`, split over `(c, ky)` pairs.
    package static func im2col(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, rows: Range<Int>,
        parallel: Bool = true
    ) {
        let units = g.inputChannels * g.kernelHeight
        if !parallel {
            im2col(g, x: x, col: col, rows: rows, units: 0..<units)
            return
        }
        let perUnit = g.kernelWidth * rows.count * g.outputWidth
        Parallel.forEachChunk(count: units, minimumChunk: max(1, 32768 / max(1, perUnit))) { chunk in
            im2col(g, x: x, col: col, rows: rows, units: chunk)
        }
    }

    /// im2col for the `(c, ky)` pairs `units` (`unit = c·kh + ky`), on this thread.
    static func im2col(
        _ g: Conv2DGeometry, x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, rows: Range<Int>,
        units: Range<Int>
    ) {
        let (H, W, Wo, kh, kw, s, p) = (g.height, g.width, g.outputWidth, g.kernelHeight, g.kernelWidth,
                                        g.stride, g.padding)
        let L = rows.count * Wo
        for unit in units {
            let c = unit / kh, ky = unit % kh
            let plane = x + c * H * W
            for kx in 0..<kw {
                let row = col + (unit * kw + kx) * L
                let valid = validColumns(g, kx: kx)
                let ixStart = valid.lowerBound * s - p + kx
                for oy in rows {
                    let dst = row + (oy - rows.lowerBound) * Wo
                    let iy = oy * s - p + ky
                    if iy < 0 || iy >= H || valid.isEmpty {
                        dst.update(repeating: 0, count: Wo)
                        continue
                    }
                    if valid.lowerBound > 0 { dst.update(repeating: 0, count: valid.lowerBound) }
                    if valid.upperBound < Wo {
                        (dst + valid.upperBound).update(repeating: 0, count: Wo - valid.upperBound)
                    }
                    let src = plane + iy * W + ixStart
                    let out = dst + valid.lowerBound
                    if s == 1 {
                        out.update(from: src, count: valid.count)
                    } else if s == 2 {
                        gatherEven(src, out, valid.count)
                    } else {
                        for j in 0..<valid.count { out[j] = src[j * s] }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: `dx[c, iy, ix] += col[…]` for every patch entry of the rows `oy ∈ rows`.
    /// With `overwrite`, each channel plane of `dx` is zeroed first. With `parallel`, split over
    /// channels, so no two threads write the same plane.
    package static func col2im(
        _ g: Conv2DGeometry, col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Range<Int>,
        overwrite: Bool, parallel: Bool = true
    ) {
        if !parallel {
            col2im(g, col: col, dx: dx, rows: rows, overwrite: overwrite, channels: 0..<g.inputChannels)
            return
        }
        let perChannel = g.kernelHeight * g.kernelWidth * rows.count * g.outputWidth
        Parallel.forEachChunk(count: g.inputChannels, minimumChunk: max(1, 32768 / max(1, perChannel))) { chunk in
            col2im(g, col: col, dx: dx, rows: rows, overwrite: overwrite, channels: chunk)
        }
    }

    /// col2im for the input channels `channels`, on this thread.
    static func col2im(
        _ g: Conv2DGeometry, col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Range<Int>,
        overwrite: Bool, channels: Range<Int>
    ) {
        let (H, W, Wo, kh, kw, s, p) = (g.height, g.width, g.outputWidth, g.kernelHeight, g.kernelWidth,
                                        g.stride, g.padding)
        let L = rows.count * Wo
        for c in channels {
            let plane = dx + c * H * W
            if overwrite { plane.update(repeating: 0, count: H * W) }
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = col + ((c * kh + ky) * kw + kx) * L
                    let valid = validColumns(g, kx: kx)
                    if valid.isEmpty { continue }
                    let ixStart = valid.lowerBound * s - p + kx
                    for oy in rows {
                        let iy = oy * s - p + ky
                        if iy < 0 || iy >= H { continue }
                        let src = row + (oy - rows.lowerBound) * Wo + valid.lowerBound
                        let out = plane + iy * W + ixStart
                        if s == 1 {
                            ElementwiseKernels.accumulate(src, into: out, valid.count)
                        } else if s == 2 {
                            scatterAddEven(src, out, valid.count)
                        } else {
                            for j in 0..<valid.count { out[j * s] += src[j] }
                        }
                    }
                }
            }
        }
    }

    /// `out[j] = src[2j]` for `j < count`. SIMD: one 16-float load, keep the even lanes. The vector loop
    /// stops while `src[2j + 15]` is still inside the row (`≤ src[2(count − 1)]`), so it never reads past
    /// the elements the scalar loop would.
    @inline(__always)
    static func gatherEven(_ src: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        var j = 0
        while j + 9 <= count {
            let v = UnsafeRawPointer(src + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + j).storeBytes(of: v.evenHalf, as: SIMD8<Float>.self)
            j += 8
        }
        while j < count {
            out[j] = src[2 * j]
            j += 1
        }
    }

    /// `out[2j] += src[j]` for `j < count`: 16-float read-modify-write that changes only the even lanes
    /// (the odd ones are written back unchanged, so the caller must own the whole row span).
    @inline(__always)
    static func scatterAddEven(_ src: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        var j = 0
        while j + 9 <= count {
            let raw = UnsafeMutableRawPointer(out + 2 * j)
            var v = raw.loadUnaligned(as: SIMD16<Float>.self)
            v.evenHalf += UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
            raw.storeBytes(of: v, as: SIMD16<Float>.self)
            j += 8
        }
        while j < count {
            out[2 * j] += src[j]
            j += 1
        }
    }

    // MARK: - Bias

    /// `y[n, c, ·] += bias[c]` for an `[N, C, plane]` tensor.
    package static func addChannelBias(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        Parallel.forEachChunk(count: batch * channels, minimumChunk: max(1, 32768 / max(1, plane))) { chunk in
            for nc in chunk {
                let row = y + nc * plane
                ElementwiseKernels.scaleShift(row, row, plane, scale: 1, shift: bias[nc % channels])
            }
        }
    }

    /// `db[c] = Σ_{n, i} dy[n, c, i]`: the bias gradient of an `[N, C, plane]` output.
    package static func channelSums(
        _ dy: UnsafePointer<Float>, db: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int
    ) {
        Parallel.forEachChunk(count: channels, minimumChunk: max(1, 32768 / max(1, batch * plane))) { chunk in
            for c in chunk {
                var total: Float = 0
                for n in 0..<batch { total += ElementwiseKernels.sum(dy + (n * channels + c) * plane, plane) }
                db[c] = total
            }
        }
    }
}

// MARK: - Transposed convolution

/// Shape of one transposed convolution (PyTorch `ConvTranspose2d`): input `[N, Cin, H, W]`, weight
/// `[Cin, Cout, kh, kw]`, output `[N, Cout, Ho, Wo]` with `Ho = (H − 1)·s − 2p + kh + outputPadding`.
package struct ConvTranspose2DGeometry: Hashable, Sendable {
    package var batch, inputChannels, outputChannels, height, width: Int
    package var kernelHeight, kernelWidth, stride, padding, outputPadding: Int
    /// Passed to the adjoint convolution's plan.
    package var tuning: Conv2DTuning

    package init(
        batch: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
        tuning: Conv2DTuning = .init()
    ) {
        self.tuning = tuning
        self.batch = batch
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
    }

    package var outputHeight: Int { (height - 1) * stride - 2 * padding + kernelHeight + outputPadding }
    package var outputWidth: Int { (width - 1) * stride - 2 * padding + kernelWidth + outputPadding }

    /// True when every size is positive, `outputPadding < stride` (as PyTorch requires) and the output
    /// is not empty.
    package var isValid: Bool {
        batch > 0 && inputChannels > 0 && outputChannels > 0 && height > 0 && width > 0
            && kernelHeight > 0 && kernelWidth > 0 && stride > 0 && padding >= 0
            && outputPadding >= 0 && outputPadding < stride && outputHeight > 0 && outputWidth > 0
    }

    /// The ordinary convolution whose backward-input is this layer's forward: it maps the transposed
    /// output `[N, Cout, Ho, Wo]` to the transposed input `[N, Cin, H, W]` with weight `[Cin, Cout, kh, kw]`
    /// read as OIHW. Its output size is `⌊(Ho + 2p − kh)/s⌋ + 1 = H` because `outputPadding < s`.
    package var adjoint: Conv2DGeometry {
        Conv2DGeometry(batch: batch, inputChannels: outputChannels, outputChannels: inputChannels,
                       height: outputHeight, width: outputWidth, kernelHeight: kernelHeight,
                       kernelWidth: kernelWidth, stride: stride, padding: padding, tuning: tuning)
    }

    package var multiplyAdds: Int { adjoint.multiplyAdds }
    package var scratchCount: Int { adjoint.scratchCount }

    /// Floats of scratch the kernels need on `path` (oneDNN manages its own).
    package func scratchCount(for path: ConvolutionPath) -> Int { adjoint.scratchCount(for: path) }
}

/// Transposed convolution through the adjoint convolution's kernels: forward = col2im(wᵀ·x),
/// backward-input = w · im2col(dy), backward-weight = x · im2col(dy)ᵀ.
package enum ConvTranspose2DKernels {
    /// `y[N, Cout, Ho, Wo]` from `x[N, Cin, H, W]` and `w[Cin, Cout, kh, kw]` (+ bias[Cout]). Overwrites `y`.
    package static func forward(
        _ g: ConvTranspose2DGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>,
        path: ConvolutionPath = .current
    ) {
        Conv2DKernels.backwardInput(g.adjoint, dy: x, w: w, dx: y, scratch: scratch, path: path)
        if let bias {
            Conv2DKernels.addChannelBias(y, bias: bias, batch: g.batch, channels: g.outputChannels,
                                         plane: g.outputHeight * g.outputWidth)
        }
    }

    /// `dx[N, Cin, H, W]` from `dy[N, Cout, Ho, Wo]`. Overwrites `dx`.
    package static func backwardInput(
        _ g: ConvTranspose2DGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>,
        path: ConvolutionPath = .current
    ) {
        Conv2DKernels.forward(g.adjoint, x: dy, w: w, bias: nil, y: dx, scratch: scratch, path: path)
    }

    /// `dw[Cin, Cout, kh, kw]` summed over the batch. Overwrites `dw`.
    package static func backwardWeight(
        _ g: ConvTranspose2DGeometry, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
        dw: UnsafeMutablePointer<Float>, scratch: UnsafeMutableBufferPointer<Float>,
        path: ConvolutionPath = .current
    ) {
        Conv2DKernels.backwardWeight(g.adjoint, dy: x, x: dy, dw: dw, scratch: scratch, path: path)
    }
}

// MARK: - Scratch

/// Temporary float buffers for kernels, allocated per call and freed on return so no large buffer
/// outlives its op. Tiles are at most a few MiB, below glibc's mmap threshold, so the heap keeps the
/// pages warm between calls.
package enum Scratch {
    package static func with<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        let pointer = AlignedMemory.allocate(count: count)
        defer { AlignedMemory.deallocate(pointer) }
        return try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }
}
