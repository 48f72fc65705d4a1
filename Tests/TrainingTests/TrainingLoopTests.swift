import Foundation
import Testing
import Tensors
import TestSupport
import Training

/// A small regression "trainer" that exercises everything the loop saves: weights, Adam moments,
/// a dropout random source and extra state.
final class ToyTrainer: Trainer {
    typealias Batch = (x: Tensor, y: Tensor)
    let weight = Parameter(Compare.randomTensor([3, 4], seed: 1))
    let bias = Parameter(Tensor(zeros: [3]))
    let dropoutSource = RandomSource(seed: 5)
    lazy var adam = Adam(parameters: [("fc.weight", weight), ("fc.bias", bias)], learningRate: initialLearningRate, beta1: 0.5)
    let initialLearningRate: Float
    var counter = Tensor(zeros: [1])
    var onStep: ((Int) -> Float?)?
    var steps = 0
    /// The learning rate of every step, the losses returned and the contexts seen.
    var learningRates: [Float] = []
    var reported: [Float] = []
    var contexts: [StepContext] = []
    var customPhases: [TrainingPhase]?

    init(learningRate: Float = 0.05) { initialLearningRate = learningRate }

    var phases: [TrainingPhase] { customPhases ?? [TrainingPhase(name: "train", optimizers: ["G"])] }

    var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] {
        [("G", [("fc.weight", weight), ("fc.bias", bias)])]
    }
    var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", adam)] }
    var randomSources: [(name: String, source: RandomSource)] { [("dropout", dropoutSource)] }

    func step(on batch: Batch, context: StepContext) -> [(name: String, value: Float)] {
        steps += 1
        learningRates.append(adam.learningRate)
        contexts.append(context)
        let prediction = batch.x.dropout(probability: 0.2, source: dropoutSource).linear(weight: weight.tracked, bias: bias.tracked)
        let loss = prediction.mseLoss(batch.y)
        loss.backward()
        adam.step()
        counter = counter.adding(1)
        let value = onStep?(steps) ?? loss.scalar
        reported.append(value)
        return [("L", value)]
    }

    func visuals(for batch: Batch) -> [(label: String, image: Tensor)] {
        [("real_A", batch.x.reshaped(to: [batch.x.shape[0], 1, 2, 2]))]
    }

    func extraState() -> [(name: String, tensor: Tensor)] { [("counter", counter)] }
    func loadExtraState(_ tensors: [String: Tensor]) throws { counter = tensors["counter"] ?? counter }

    func saveNetworks(tag: String, in folder: URL, step: Int) throws {
        try SafeTensors.write(.init(tensors: [("fc.weight", weight.value), ("fc.bias", bias.value)], metadata: ["step": String(step)]),
                              to: folder.appendingPathComponent("\(tag)_net_G.safetensors"))
    }
}

/// Batches reproducible from (epoch, index): y = A·x + noise.
struct ToySource: BatchSource {
    let batchesPerEpoch = 4
    func batches(epoch: Int, startingAt start: Int) throws -> AnyIterator<Result<ToyTrainer.Batch, Error>> {
        var index = start
        return AnyIterator {
            guard index < batchesPerEpoch else { return nil }
            defer { index += 1 }
            let x = Compare.randomTensor([2, 4], seed: UInt64(epoch * 100 + index))
            let y = Compare.randomTensor([2, 3], seed: UInt64(epoch * 100 + index + 50))
            return .success((x, y))
        }
    }
}

@Suite(.serialized) struct TrainingLoopTests {
    func options(maxSteps: Int, name: String) -> TrainOptions {
        var options = TrainOptions(model: .pix2pix)
        options.name = name
        options.dataroot = "toy"
        options.nEpochs = 2
        options.nEpochsDecay = 2
        options.printFreq = 1
        options.saveLatestFreq = 2
        options.saveEpochFreq = 1
        options.maxSteps = maxSteps
        return options
    }

    func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("translate-tests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    func loop(_ trainer: ToyTrainer, _ options: TrainOptions, _ folder: URL,
              interrupts: InterruptWatcher = InterruptWatcher(listensToSignals: false)) -> TrainingLoop<ToyTrainer, ToySource> {
        let loop = TrainingLoop(trainer: trainer, source: ToySource(), options: options, runFolder: folder,
                                interrupts: interrupts) { image, url in
            try Data(image.scalars.map { UInt8(clamping: Int(($0 + 1) * 127.5)) }).write(to: url)
        }
        loop.progressStyle = .silent
        loop.log = { _ in }
        return loop
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let straightFolder = folder("straight")
        let straight = ToyTrainer()
        #expect(try loop(straight, options(maxSteps: 11, name: "straight"), straightFolder).run() == .stepLimit)

        let splitFolder = folder("split")
        #expect(try loop(ToyTrainer(), options(maxSteps: 5, name: "split"), splitFolder).run() == .stepLimit)
        let resumed = ToyTrainer()
        let second = loop(resumed, options(maxSteps: 11, name: "split"), splitFolder)
        #expect(try second.run() == .stepLimit)
        #expect(second.iteration == 11)
        #expect(resumed.weight.value.scalars == straight.weight.value.scalars)
        #expect(resumed.bias.value.scalars == straight.bias.value.scalars)
        #expect(resumed.counter.scalar == 11)
        // The log has one line per iteration, none lost or duplicated.
        #expect(second.lossRecords().map(\.iteration) == Array(1...11))
    }

    @Test func finishesAllEpochsAndWritesTheRunFolder() throws {
        let runFolder = folder("full")
        let trainer = ToyTrainer()
        let training = loop(trainer, options(maxSteps: 0, name: "full"), runFolder)
        #expect(try training.run() == .finished)
        #expect(training.iteration == 16 && training.epoch == 5)
        let files = try FileManager.default.contentsOfDirectory(atPath: runFolder.path)
        for expected in ["latest.safetensors", "latest_net_G.safetensors", "1_net_G.safetensors", "4_net_G.safetensors",
                         "loss_log.jsonl", "epochs.json", "report.html"] {
            #expect(files.contains(expected), "missing \(expected)")
        }
        let report = try String(contentsOf: runFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<polyline") && report.contains("Epoch 4") && !report.contains("<script"))
        // The reference's timing: the schedule steps before each epoch, so with 2 + 2 epochs the
        // rates are 1, 2/3, 1/3, 0 of the base (the toy's Adam starts at 0.05).
        #expect(training.epochSummaries.map(\.learningRate).map { ($0 / 0.05 * 3).rounded() } == [3, 2, 1, 0])
        // A finished run started again has nothing left to do and changes nothing.
        let before = trainer.weight.value.scalars
        let again = ToyTrainer()
        #expect(try loop(again, options(maxSteps: 0, name: "full"), runFolder).run() == .finished)
        #expect(again.weight.value.scalars == before && again.steps == 0)
    }

    @Test func interruptFinishesTheStepAndSaves() throws {
        let runFolder = folder("interrupt")
        let trainer = ToyTrainer()
        let watcher = InterruptWatcher()
        let training = loop(trainer, options(maxSteps: 0, name: "interrupt"), runFolder, interrupts: watcher)
        trainer.onStep = { step in
            if step == 3 {
                kill(getpid(), SIGINT)  // a real Ctrl-C in the middle of step 3
                // Delivery is asynchronous; on a loaded machine wait (at most 5 s) until it has arrived.
                let deadline = Date().addingTimeInterval(5)
                while !watcher.isInterrupted && Date() < deadline { usleep(1000) }
                #expect(watcher.isInterrupted)
            }
            return nil
        }
        #expect(try training.run() == .interrupted)
        #expect(trainer.steps == 3)
        let state = try SafeTensors.read(contentsOf: runFolder.appendingPathComponent("latest.safetensors"))
        #expect(state.metadata["iteration"] == String(trainer.steps))
        #expect(try #require(state["net.G.fc.weight"]).scalars == trainer.weight.value.scalars)
    }

    @Test func nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let runFolder = folder("nan")
        let trainer = ToyTrainer()
        trainer.onStep = { $0 == 3 ? Float.nan : nil }
        let training = loop(trainer, options(maxSteps: 0, name: "nan"), runFolder)
        do {
            try training.run()
            Issue.record("a NaN loss did not stop the run")
        } catch let error as TrainingError {
            #expect(error.message.contains("loss L became NaN"))
            #expect(error.message.contains("iteration 2"))
        }
        let state = try SafeTensors.read(contentsOf: runFolder.appendingPathComponent("latest.safetensors"))
        #expect(state.metadata["iteration"] == "2")
    }

    @Test func continueWithoutStateIsAClearError() throws {
        var options = options(maxSteps: 0, name: "nostate")
        options.continueTrain = true
        #expect(throws: TrainingError.self) { try loop(ToyTrainer(), options, folder("nostate")).run() }
    }
}
