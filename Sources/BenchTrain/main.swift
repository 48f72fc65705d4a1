// bench-train: times one Pix2Pix training step (forward G, D step, G step with Adam) as the
// reference trains it, and prints one JSON line per configuration.
//
//     bench-train [--threads N] [--size S] [--ngf F] [--steps K]
import BenchSupport
import Foundation
import Kernels
import Tensors
import Training

let threads = argument("--threads", default: 1)
let size = argument("--size", default: 256)
let ngf = argument("--ngf", default: 64)
let steps = argument("--steps", default: 3)
Tensor.configureRuntime()
Parallel.setThreadCount(threads)

var options = TrainOptions(model: .pix2pix)  // unet_256, basic D, batch norm, vanilla GAN, λ_L1 100
options.netG = size == 256 ? .unet256 : .unet128
options.ngf = ngf
options.ndf = ngf
options.cropSize = size
options.dataroot = "bench"
let trainer = try Pix2PixTrainer(options: options)
var random = SeededGenerator(seed: 1)
let batch = PairedBatch(realA: Tensor.randomUniform(shape: [1, 3, size, size], low: -1, high: 1, using: &random),
                        realB: Tensor.randomUniform(shape: [1, 3, size, size], low: -1, high: 1, using: &random),
                        paths: [])
_ = trainer.step(on: batch)  // warm-up: first-touch allocations, OpenBLAS buffers

var times: [Double] = []
let cpuStart = cpuSeconds(), wallStart = Date()
for _ in 0..<steps {
    let start = Date()
    _ = trainer.step(on: batch)
    times.append(Date().timeIntervalSince(start))
}
let cpuWall = (cpuSeconds() - cpuStart) / Date().timeIntervalSince(wallStart)
let best = times.min() ?? 0, median = times.sorted()[times.count / 2]
let peakMiB = peakRSSMiB()
print("{\"impl\":\"translate\",\"conv\":\"\(ConvolutionPath.current.rawValue)\"," + String(format: "\"threads\":%d,\"size\":%d,\"ngf\":%d,\"best_s\":%.4f,\"median_s\":%.4f,\"cpu_wall\":%.2f,\"peak_rss_mib\":%.1f}",
             threads, size, ngf, best, median, cpuWall, peakMiB))
