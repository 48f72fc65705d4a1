// bench-cyclegan: times one CycleGAN training step (CycleGANTrainer.step: both cycles, identity
// losses, G step with both Ds frozen, D step with the image pools, two Adams) with the reference
// defaults (resnet_9blocks ngf 64, basic PatchGAN ndf 64, instance norm, LSGAN, λ 10/10/0.5,
// pool 50, Adam 2e-4 β1 0.5), batch 1, and prints one JSON line with the step times, cpu/wall, the
// CPU seconds per step (less sensitive than wall time to a shared machine) and this process's peak RSS (getrusage ru_maxrss). Run one process per configuration so the peaks
// don't mix (bench/sections/45-cyclegan-step.sh does).
//
//     bench-cyclegan [--threads N] [--size S] [--ngf F] [--steps K] [--phases]
//
// --phases times the parts of the step instead (the same operations as CycleGANTrainer.step, in
// the same order, through the public API): the six generator forwards, the two D forwards of the
// G step, the G backward, the G Adam, the D forwards+backwards, the D Adam. One JSON line with the
// best (minimum over the steps) seconds of each part and the resident set after each part of the
// first (warm-up) step, which is where it grows to its peak.
import BenchSupport
import Foundation
import Kernels
import Layers
import Tensors
import Training

let baseRSS = peakRSSMiB()  // the process before any network
let threads = argument("--threads", default: 1)
let size = argument("--size", default: 256)
let ngf = argument("--ngf", default: 64)
let steps = max(1, argument("--steps", default: 3))
let phases = CommandLine.arguments.contains("--phases")
Tensor.configureRuntime()
Parallel.setThreadCount(threads)

var options = TrainOptions(model: .cycle_gan)  // resnet_9blocks, basic D, instance norm, lsgan, pool 50
options.ngf = ngf
options.ndf = ngf
options.loadSize = size
options.cropSize = size
options.dataroot = "bench"
let trainer = try CycleGANTrainer(options: options)
var random = SeededGenerator(seed: 1)
let batch = UnpairedBatch(realA: Tensor.randomUniform(shape: [1, 3, size, size], low: -1, high: 1, using: &random),
                          realB: Tensor.randomUniform(shape: [1, 3, size, size], low: -1, high: 1, using: &random),
                          pathsA: [], pathsB: [])
let setupRSS = peakRSSMiB()

/// One step split in timed parts (seconds, and the resident set in MiB at the end of each part);
/// mirrors `CycleGANTrainer.step` operation by operation.
func phasedStep(_ t: CycleGANTrainer, _ batch: UnpairedBatch) -> [(String, Double, Double)] {
    var parts: [(String, Double, Double)] = []
    var clock = Date()
    func lap(_ name: String) { let now = Date(); parts.append((name, now.timeIntervalSince(clock), currentRSSMiB())); clock = now }
    let realA = batch.realA, realB = batch.realB
    var fakeBOut = Tensor(0), fakeAOut = Tensor(0)
    do {
        t.generatorA.setRequiresGradient(true)
        t.generatorB.setRequiresGradient(true)
        let fakeB = t.generatorA(realA, phase: .training)
        let recA = t.generatorB(fakeB, phase: .training)
        let fakeA = t.generatorB(realB, phase: .training)
        let recB = t.generatorA(fakeA, phase: .training)
        t.discriminatorA.setRequiresGradient(false)
        t.discriminatorB.setRequiresGradient(false)
        let lossIdtA = t.generatorA(realB, phase: .training).l1Loss(realB).scaled(by: t.lambdaB * t.lambdaIdentity)
        let lossIdtB = t.generatorB(realA, phase: .training).l1Loss(realA).scaled(by: t.lambdaA * t.lambdaIdentity)
        lap("G forward ×6")
        let lossGA = t.ganMode.loss(t.discriminatorA(fakeB, phase: .training), isReal: true)
        let lossGB = t.ganMode.loss(t.discriminatorB(fakeA, phase: .training), isReal: true)
        let lossG = lossGA + lossGB + recA.l1Loss(realA).scaled(by: t.lambdaA) + recB.l1Loss(realB).scaled(by: t.lambdaB)
            + lossIdtA + lossIdtB
        _ = lossG.scalar
        lap("D forward ×2 (G step)")
        lossG.backward()
        lap("G-step backward")
        t.optimizerG.step()
        lap("Adam G")
        (fakeBOut, fakeAOut) = (fakeB.detached(), fakeA.detached())
    }
    lap("free G graph")
    t.discriminatorA.setRequiresGradient(true)
    t.discriminatorB.setRequiresGradient(true)
    for (d, real, fake, pool) in [(t.discriminatorA, realB, fakeBOut, t.fakeBPool), (t.discriminatorB, realA, fakeAOut, t.fakeAPool)]
        as [(any Layer, Tensor, Tensor, ImagePool)] {
        let lossReal = t.ganMode.loss(d(real, phase: .training), isReal: true)
        let lossFake = t.ganMode.loss(d(pool.query(fake), phase: .training), isReal: false)
        (lossReal + lossFake).scaled(by: 0.5).backward()
    }
    lap("D forward+backward ×4")
    t.optimizerD.step()
    lap("Adam D")
    return parts
}

if phases {
    let first = phasedStep(trainer, batch)  // warm-up; the resident set grows to its peak during this one
    var best: [(String, Double, Double)] = []
    for _ in 0..<steps {
        let parts = phasedStep(trainer, batch)
        best = best.isEmpty ? parts : zip(best, parts).map { ($0.0, min($0.1, $1.1), $1.2) }
    }
    let seconds = best.map { String(format: "\"%@\":%.4f", $0.0, $0.1) }.joined(separator: ",")
    let resident = first.map { String(format: "\"%@\":%.0f", $0.0, $0.2) }.joined(separator: ",")
    print("{\"impl\":\"translate\",\"threads\":\(threads),\"size\":\(size),\"best_s\":{\(seconds)},"
          + "\"first_step_rss_mib_after\":{\(resident)},\"setup_rss_mib\":\(String(format: "%.0f", setupRSS)),"
          + "\"peak_rss_mib\":\(String(format: "%.0f", peakRSSMiB()))}")
    exit(0)
}

_ = trainer.step(on: batch)  // warm-up: first-touch allocations, OpenBLAS buffers
var times: [Double] = []
let cpuStart = cpuSeconds(), wallStart = Date()
for _ in 0..<steps {
    let start = Date()
    _ = trainer.step(on: batch)
    times.append(Date().timeIntervalSince(start))
}
let cpuUsed = cpuSeconds() - cpuStart
let cpuWall = cpuUsed / Date().timeIntervalSince(wallStart)
let best = times.min() ?? 0, median = times.sorted()[times.count / 2]
print(String(format: "{\"impl\":\"translate\",\"model\":\"cycle_gan\",\"threads\":%d,\"size\":%d,\"ngf\":%d,\"steps\":%d,"
             + "\"best_s\":%.4f,\"median_s\":%.4f,\"cpu_wall\":%.2f,\"cpu_s_per_step\":%.3f,\"base_rss_mib\":%.1f,\"setup_rss_mib\":%.1f,\"peak_rss_mib\":%.1f}",
             threads, size, ngf, steps, best, median, cpuWall, cpuUsed / Double(steps), baseRSS, setupRSS, peakRSSMiB()))
