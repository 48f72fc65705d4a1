// bench-srgan: times one SRGAN training step through `SRGANTrainer.step` (the code path `translate
// train --model srgan` runs) with the paper's setup (REFERENCE.md c5): SRResNet ×4 (16 residual
// blocks, 64 channels, batch norm), the SRGAN discriminator (ndf 64, 96² input), batch 16 of 96² HR
// / 24² LR patches, Adam(1e-4, β 0.9/0.999). Two kinds of step:
//
// - pretrain: G(LR), MSE against HR, backward, Adam on G (phase 1, SRResNet-MSE);
// - gan: D step (BCE on D(HR) and D(G(LR)) detached, Adam on D), then G step (VGG19 φ5,4 content
//   loss: relu5_4 maps ×1/12.75, MSE; + 1e-3 · −log D(G(LR)); Adam on G) (phase 2).
//
// The VGG19 of the content loss has random weights (initialised as the trainer initialises its
// networks): the arithmetic is that of torchvision's weights, only the loss values differ.
// Prints one JSON line with the step times, cpu/wall, CPU seconds per step and this process's peak
// RSS (getrusage ru_maxrss); run one process per configuration so the peaks don't mix
// (bench/sections/50-srgan-step.sh does).
//
//     bench-srgan --phase pretrain|gan [--threads N] [--batch B] [--size HR] [--steps K]
//
// TRANSLATE_CONV=blas|dnnl picks the convolution path as for `translate`; the JSON names the one used.
import BenchSupport
import Foundation
import Kernels
import Layers
import Networks
import Tensors
import Training

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bench-srgan: \(message)\n".utf8))
    exit(2)
}

let baseRSS = peakRSSMiB()  // the process before any network
let phaseIndex = CommandLine.arguments.firstIndex(of: "--phase")
let phase = phaseIndex.flatMap { $0 + 1 < CommandLine.arguments.count ? CommandLine.arguments[$0 + 1] : nil } ?? "gan"
guard phase == "pretrain" || phase == "gan" else { fail("--phase must be pretrain or gan, got \(phase)") }
let threads = argument("--threads", default: 1)
let batchSize = argument("--batch", default: 16)
let size = argument("--size", default: 96)
let steps = argument("--steps", default: 3)
guard threads >= 1, batchSize >= 1, steps >= 1, size >= 16, size % 16 == 0 else {
    fail("--threads, --batch and --steps must be at least 1 and --size a multiple of 16")
}
Tensor.configureRuntime()
Parallel.setThreadCount(threads)

var options = TrainOptions(model: .srgan)  // srresnet ×4 (16 blocks), srgan D, batch norm, Adam 1e-4 β1 0.9
options.dataroot = "bench"
options.batchSize = batchSize
options.loadSize = size
options.cropSize = size
options.pretrainIters = phase == "pretrain" ? 1_000_000 : 0
options.ganIters = phase == "gan" ? 200_000 : 0
var vgg: VGG19Features?
if phase == "gan" {
    let features = VGG19Features()
    var random = SeededGenerator(seed: 3)
    initializeWeights(features, options.initType.scheme(gain: options.initGain), using: &random)
    vgg = features
}
let trainer: SRGANTrainer
do {
    trainer = try SRGANTrainer(options: options, vgg: vgg)
} catch {
    fail("\(error)")
}
var random = SeededGenerator(seed: 1)
let lowSize = size / options.scale
let batch = PairedBatch(realA: Tensor.randomUniform(shape: [batchSize, 3, lowSize, lowSize], low: -1, high: 1, using: &random),
                        realB: Tensor.randomUniform(shape: [batchSize, 3, size, size], low: -1, high: 1, using: &random),
                        paths: [])
let setupRSS = peakRSSMiB()
var iteration = 0
let timing = timeSteps(steps) {
    iteration += 1
    let context = StepContext(epoch: 1, iteration: iteration, iterationInPhase: iteration, phase: phase,
                              phaseIndex: phase == "pretrain" ? 0 : 1)
    _ = trainer.step(on: batch, context: context)
}
print("{\"impl\":\"translate\",\"conv\":\"\(ConvolutionPath.current.rawValue)\","
      + String(format: "\"model\":\"srgan\",\"phase\":\"%@\",\"threads\":%d,\"batch\":%d,\"size\":%d,"
             + "\"g_params\":%d,\"d_params\":%d,\"steps\":%d,\"best_s\":%.4f,\"median_s\":%.4f,\"cpu_wall\":%.2f,"
             + "\"cpu_s_per_step\":%.3f,\"base_rss_mib\":%.1f,\"setup_rss_mib\":%.1f,\"peak_rss_mib\":%.1f}",
             phase, threads, batchSize, size, trainer.generator.parameterCount, trainer.discriminator.parameterCount, steps,
             timing.best, timing.median, timing.cpuWall, timing.cpuPerStep, baseRSS, setupRSS, peakRSSMiB()))
