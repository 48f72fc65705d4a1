import Foundation
import Testing
import Tensors
import TestSupport
import Training

/// A toy with two networks and two phases: "pre" trains G alone for 6 iterations with a per-iteration
/// MultiStep schedule; "main" trains G (the run's schedule from the options) and D (its own
/// cosine-restart schedule).
final class TwoPhaseToy: Trainer {
    typealias Batch = (x: Tensor, y: Tensor)
    let weightG = Parameter(Compare.randomTensor([3, 4], seed: 1))
    let weightD = Parameter(Compare.randomTensor([1, 4], seed: 2))
    let dropoutSource = RandomSource(seed: 7)
    lazy var adamG = Adam(parameters: [("fc.weight", weightG)], learningRate: 0.05, beta1: 0.5)
    lazy var adamD = SGD(parameters: [("fc.weight", weightD)], learningRate: 0.02, momentum: 0.9)
    var contexts: [StepContext] = []
    var rates: [(g: Float, d: Float)] = []
    var reported: [[String: Float]] = []

    var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] {
        [("G", [("fc.weight", weightG)]), ("D", [("fc.weight", weightD)])]
    }
    var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", adamG), ("D", adamD)] }
    var randomSources: [(name: String, source: RandomSource)] { [("dropout", dropoutSource)] }

    var phases: [TrainingPhase] {
        [TrainingPhase(name: "pre", length: .iterations(6), optimizers: ["G"], losses: ["G_pixel"],
                       schedules: ["G": LearningRateSchedule(.multiStep(milestones: [2, 4], gamma: 0.5), unit: .iteration,
                                                             baseLearningRate: 0.05)]),
         TrainingPhase(name: "main", optimizers: ["G", "D"], losses: ["G_pixel", "D"],
                       schedules: ["D": LearningRateSchedule(.cosineAnnealingRestart(periods: [3, 5], restartWeights: [1, 0.5], etaMin: 0),
                                                             unit: .iteration, baseLearningRate: 0.02)])]
    }

    func step(on batch: Batch, context: StepContext) -> [(name: String, value: Float)] {
        contexts.append(context)
        rates.append((adamG.learningRate, adamD.learningRate))
        let x = batch.x.dropout(probability: 0.2, source: dropoutSource)
        let lossG = x.linear(weight: weightG.tracked, bias: nil).mseLoss(batch.y)
        lossG.backward()
        adamG.step()
        guard context.phase == "main" else {
            reported.append(["G_pixel": lossG.scalar])
            return [("G_pixel", lossG.scalar)]
        }
        let lossD = batch.x.linear(weight: weightD.tracked, bias: nil).mseLoss(batch.y.sliced(alongAxis: 1, 0..<1))
        lossD.backward()
        adamD.step()
        reported.append(["G_pixel": lossG.scalar, "D": lossD.scalar])
        return [("G_pixel", lossG.scalar), ("D", lossD.scalar)]
    }

    func visuals(for batch: Batch) -> [(label: String, image: Tensor)] { [] }

    func saveNetworks(tag: String, in folder: URL, step: Int) throws {}
}

@Suite(.serialized) struct TrainingPhaseTests {
    func options(maxSteps: Int, name: String, epochs: (Int, Int) = (2, 2)) -> TrainOptions {
        var options = TrainOptions(model: .pix2pix)
        options.name = name
        options.dataroot = "toy"
        options.nEpochs = epochs.0
        options.nEpochsDecay = epochs.1
        options.printFreq = 100
        options.saveLatestFreq = 1000
        options.saveEpochFreq = 1000
        options.maxSteps = maxSteps
        return options
    }

    func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("translate-phase-tests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    func loop<T: Trainer>(_ trainer: T, _ options: TrainOptions, _ folder: URL,
                          interrupts: InterruptWatcher = InterruptWatcher(listensToSignals: false)) -> TrainingLoop<T, ToySource>
    where T.Batch == ToyTrainer.Batch {
        let loop = TrainingLoop(trainer: trainer, source: ToySource(), options: options, runFolder: folder,
                                interrupts: interrupts) { image, url in
            try Data(image.scalars.map { UInt8(clamping: Int(($0 + 1) * 127.5)) }).write(to: url)
        }
        loop.progressStyle = .silent
        loop.log = { _ in }
        return loop
    }

    static func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 2e-6 * abs($1) + 1e-12 }
    }

    // MARK: - The reference's learning-rate timing

    struct FixtureCase: Decodable {
        var name: String
        var unit: String
        var options: [String: Value]
        var rates: [Double]
        enum Value: Decodable {
            case number(Double), text(String), list([Double])
            init(from decoder: Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let number = try? container.decode(Double.self) { self = .number(number) }
                else if let list = try? container.decode([Double].self) { self = .list(list) }
                else { self = .text(try container.decode(String.self)) }
            }
            var number: Double { if case .number(let x) = self { x } else { .nan } }
            var text: String { if case .text(let x) = self { x } else { "" } }
            var list: [Double] { if case .list(let x) = self { x } else { [] } }
        }
        func int(_ key: String) -> Int { Int(options[key]?.number ?? 0) }
    }

    static func fixtureCases() throws -> [FixtureCase] {
        struct File: Decodable { var cases: [FixtureCase] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: Fixtures.url("torch/lr_schedules.json"))).cases
    }

    func trainOptions(for testCase: FixtureCase) -> TrainOptions {
        var options = options(maxSteps: 0, name: "lr", epochs: (testCase.int("n_epochs"), testCase.int("n_epochs_decay")))
        options.lrPolicy = LearningRatePolicy(rawValue: testCase.options["lr_policy"]?.text ?? "")!
        options.epochCount = testCase.int("epoch_count")
        options.lrDecayIters = testCase.int("lr_decay_iters")
        options.lr = Float(testCase.options["lr"]?.number ?? 0)
        return options
    }

    /// Every per-epoch case, with the schedule alone, stepped as the reference's train.py does
    /// (before each epoch; plateau with metric 0 or the case's metrics).
    @Test func schedulesMatchTorchInTheReferenceOrder() throws {
        let cases = try Self.fixtureCases().filter { $0.unit == "epoch" }
        #expect(cases.count >= 9)
        for testCase in cases {
            let options = trainOptions(for: testCase)
            var schedule = LearningRateSchedule(options: options, baseLearningRate: options.lr)
            let metrics = testCase.options["metrics"]?.list ?? []
            var rates: [Double] = []
            for index in testCase.rates.indices {
                schedule.step(metric: metrics.isEmpty ? 0 : metrics[index])
                rates.append(Double(schedule.learningRate))
            }
            #expect(Self.close(rates, testCase.rates), "\(testCase.name): ours \(rates), torch \(testCase.rates)")
        }
    }

    /// The loop itself: the rate each epoch trains at equals the reference's for that epoch.
    @Test func loopTrainsEachEpochAtTheReferenceRate() throws {
        let cases = try Self.fixtureCases().filter { $0.unit == "epoch" && $0.rates.count <= 60 && $0.options["metrics"] == nil }
        #expect(cases.count >= 7)
        for testCase in cases {
            let options = trainOptions(for: testCase)
            let trainer = ToyTrainer(learningRate: options.lr)
            let training = loop(trainer, options, folder("lr"))
            #expect(try training.run() == .finished)
            // ToySource has 4 batches per epoch; every batch of an epoch trains at the same rate.
            let perEpoch = stride(from: 0, to: trainer.learningRates.count, by: 4).map { Double(trainer.learningRates[$0]) }
            #expect(Self.close(perEpoch, testCase.rates), "\(testCase.name): ours \(perEpoch), torch \(testCase.rates)")
            #expect(Set(trainer.learningRates.chunked(4).map { Set($0).count }) == [1])
            #expect(training.epochSummaries.map { Double($0.learningRate) } .count == testCase.rates.count)
        }
    }

    /// BasicSR's per-iteration MultiStep and CosineAnnealingRestart: iteration 1 at position 0.
    @Test func iterationSchedulesMatchBasicSR() throws {
        let cases = try Self.fixtureCases().filter { $0.unit == "iteration" }
        #expect(cases.count == 2)
        for testCase in cases {
            let base = Float(testCase.options["lr"]?.number ?? 0)
            let kind: LearningRateSchedule.Kind = testCase.name == "multistep"
                ? .multiStep(milestones: testCase.options["milestones"]!.list.map { Int($0) }, gamma: testCase.options["gamma"]!.number)
                : .cosineAnnealingRestart(periods: testCase.options["periods"]!.list.map { Int($0) },
                                          restartWeights: testCase.options["restart_weights"]!.list,
                                          etaMin: testCase.options["eta_min"]!.number)
            let trainer = ToyTrainer(learningRate: base)
            trainer.customPhases = [TrainingPhase(name: "train", optimizers: ["G"],
                                                  schedules: ["G": LearningRateSchedule(kind, unit: .iteration, baseLearningRate: base)])]
            let training = loop(trainer, options(maxSteps: testCase.rates.count, name: "iter", epochs: (4, 4)), folder("iter"))
            #expect(try training.run() == .stepLimit)
            let rates = trainer.learningRates.map(Double.init)
            #expect(Self.close(rates, testCase.rates), "\(testCase.name): ours \(rates), BasicSR \(testCase.rates)")
        }
    }

    /// A training state written before per-optimizer schedules (one "schedule" that had stepped at the
    /// ends of epochs) resumes on the reference's rates.
    @Test func legacyStateResumesOnTheReferenceRates() throws {
        let straight = ToyTrainer()
        #expect(try loop(straight, options(maxSteps: 0, name: "legacy-straight"), folder("legacy-straight")).run() == .finished)

        let runFolder = folder("legacy")
        #expect(try loop(ToyTrainer(), options(maxSteps: 4, name: "legacy"), runFolder).run() == .stepLimit)
        // The stop at iteration 4 is the end of epoch 1: rewrite the state as the old loop saved it there.
        let stateURL = runFolder.appendingPathComponent("latest.safetensors")
        var state = try SafeTensors.read(contentsOf: stateURL)
        state.metadata["schedules"] = nil
        state.metadata["schedule"] = #"{"badEpochs":0,"baseLearningRate":0.05,"best":"inf","decayEpochs":50,"epoch":1,"#
            + #""epochCount":1,"nEpochs":2,"nEpochsDecay":2,"plateauFactor":1,"policy":"linear"}"#
        try SafeTensors.write(state, to: stateURL)
        let resumed = ToyTrainer()
        #expect(try loop(resumed, options(maxSteps: 0, name: "legacy"), runFolder).run() == .finished)
        #expect(resumed.learningRates == Array(straight.learningRates.suffix(12)))
        #expect(resumed.weight.value.scalars == straight.weight.value.scalars)
    }

    // MARK: - Phases

    @Test func resumeIsExactAcrossAPhaseSwitch() throws {
        let straightFolder = folder("phase-straight")
        let straight = TwoPhaseToy()
        #expect(try loop(straight, options(maxSteps: 11, name: "straight"), straightFolder).run() == .stepLimit)
        #expect(straight.contexts.map(\.phase) == Array(repeating: "pre", count: 6) + Array(repeating: "main", count: 5))
        #expect(straight.contexts.map(\.iterationInPhase) == Array(1...6) + Array(1...5))
        #expect(straight.contexts.map(\.iteration) == Array(1...11))
        #expect(straight.contexts.map(\.epoch) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3])
        // G: MultiStep [2, 4] × 0.5 over "pre", then the run's linear schedule (epoch 2 of 2 + 2: 1.0, epoch 3: 2/3).
        let twoThirds = Float(Double(Float(0.05)) * (1 - 1.0 / 3))
        #expect(straight.rates.map(\.g) == [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.05, 0.05, twoThirds, twoThirds, twoThirds])
        // D is untouched (and its rate never set) during "pre", then follows its cosine restart from position 0.
        #expect(straight.rates.prefix(6).allSatisfy { $0.d == 0.02 })
        let expectedD: [Double] = [0, 1, 2, 3, 4].map { t in
            t <= 3 ? 0.02 * (1 + cos(Double.pi * t / 3)) / 2 : 0.5 * 0.02 * (1 + cos(Double.pi * (t - 3) / 5)) / 2
        }
        #expect(Self.close(straight.rates.suffix(5).map { Double($0.d) }, expectedD.map { Double(Float($0)) }))
        // The log line at the end of epoch 2 averages each loss over the iterations that reported it:
        // G_pixel over 5…8, D over 7 and 8 (the "main" part).
        let straightLog = loop(TwoPhaseToy(), options(maxSteps: 11, name: "straight"), straightFolder).lossRecords()
        #expect(straightLog.map(\.iteration) == [4, 8, 11])
        let endOfEpoch2 = try #require(straightLog.first { $0.iteration == 8 }?.losses)
        let meanD = (Double(straight.reported[6]["D"]!) + Double(straight.reported[7]["D"]!)) / 2
        let meanG = (4...7).map { Double(straight.reported[$0]["G_pixel"]!) }.reduce(0, +) / 4
        #expect(abs(Double(try #require(endOfEpoch2["D"])) - meanD) <= 1e-6 * abs(meanD))
        #expect(abs(Double(try #require(endOfEpoch2["G_pixel"])) - meanG) <= 1e-6 * abs(meanG))

        let splitFolder = folder("phase-split")
        #expect(try loop(TwoPhaseToy(), options(maxSteps: 5, name: "split"), splitFolder).run() == .stepLimit)
        let resumed = TwoPhaseToy()
        let second = loop(resumed, options(maxSteps: 11, name: "split"), splitFolder)
        #expect(try second.run() == .stepLimit)
        #expect(resumed.contexts.map(\.phase) == ["pre"] + Array(repeating: "main", count: 5))
        #expect(resumed.contexts.map(\.iterationInPhase) == [6] + Array(1...5))
        #expect(resumed.weightG.value.scalars == straight.weightG.value.scalars)
        #expect(resumed.weightD.value.scalars == straight.weightD.value.scalars)
        for (a, b) in zip(resumed.optimizers, straight.optimizers) {
            #expect(a.optimizer.stateScalars == b.optimizer.stateScalars)
            #expect(a.optimizer.stateTensors().map(\.tensor.scalars) == b.optimizer.stateTensors().map(\.tensor.scalars))
        }
        #expect(resumed.dropoutSource.generator == straight.dropoutSource.generator)
    }

    @Test func epochPhasesAndAnEndingLastPhase() throws {
        let trainer = ToyTrainer()
        trainer.customPhases = [TrainingPhase(name: "a", length: .epochs(1), optimizers: ["G"]),
                                TrainingPhase(name: "b", length: .iterations(3), optimizers: ["G"])]
        let training = loop(trainer, options(maxSteps: 0, name: "phases"), folder("phases"))
        // The run would last 4 epochs; the phases end after 4 + 3 iterations.
        #expect(try training.run() == .finished)
        #expect(trainer.contexts.map(\.phase) == ["a", "a", "a", "a", "b", "b", "b"])
        #expect(trainer.contexts.map(\.phaseIndex) == [0, 0, 0, 0, 1, 1, 1])
        #expect(training.iteration == 7)
    }

    @Test func aPhaseNamingAnUnknownOptimizerIsAnError() throws {
        let trainer = ToyTrainer()
        trainer.customPhases = [TrainingPhase(name: "gan", optimizers: ["G", "D"])]
        #expect(throws: TrainingError.self) { try loop(trainer, options(maxSteps: 1, name: "bad"), folder("bad")).run() }
    }

    // MARK: - Plateau monitor

    func plateauRates(monitor: String) throws -> [Float] {
        var options = options(maxSteps: 0, name: "plateau", epochs: (4, 4))
        options.lrPolicy = .plateau
        options.lrMonitor = monitor
        let trainer = ToyTrainer(learningRate: 1)
        trainer.onStep = { _ in 1 }  // a loss that never improves
        #expect(try loop(trainer, options, folder("plateau")).run() == .finished)
        return stride(from: 0, to: trainer.learningRates.count, by: 4).map { trainer.learningRates[$0] }
    }

    @Test func plateauFollowsTheReferenceMetricOrTheMonitoredLoss() throws {
        // The reference steps with BaseModel.metric = 0 from the first epoch: best 0, then 6 bad epochs.
        #expect(try plateauRates(monitor: "") == [1, 1, 1, 1, 1, 1, 0.2, 0.2])
        // Monitoring L: nothing to observe before epoch 2, best at epoch 2, reduced at epoch 8.
        #expect(try plateauRates(monitor: "L") == [1, 1, 1, 1, 1, 1, 1, 0.2])
    }

    @Test func unknownMonitoredLossIsAnError() throws {
        var options = options(maxSteps: 1, name: "monitor")
        options.lrPolicy = .plateau
        options.lrMonitor = "G_GAN"
        let trainer = ToyTrainer()
        trainer.customPhases = [TrainingPhase(name: "train", optimizers: ["G"], losses: ["L"])]
        do {
            try loop(trainer, options, folder("monitor")).run()
            Issue.record("an unknown --lr-monitor was accepted")
        } catch let error as OptionError {
            #expect(error.message.contains("G_GAN") && error.message.contains("L"))
        }
    }

    @Test func monitoredPlateauResumesMidEpochExactly() throws {
        var options = options(maxSteps: 30, name: "monitor-resume", epochs: (5, 5))
        options.lrPolicy = .plateau
        options.lrMonitor = "L"
        let straight = ToyTrainer()
        let straightLoop = loop(straight, options, folder("monitor-straight"))
        #expect(try straightLoop.run() == .stepLimit)

        var first = options
        first.maxSteps = 6  // in the middle of epoch 2
        let splitFolder = folder("monitor-split")
        #expect(try loop(ToyTrainer(), first, splitFolder).run() == .stepLimit)
        let resumed = ToyTrainer()
        let resumedLoop = loop(resumed, options, splitFolder)
        #expect(try resumedLoop.run() == .stepLimit)
        // The plateau's best metric is an epoch mean: it matches only if epoch 2's first two losses survived.
        #expect(resumedLoop.schedules == straightLoop.schedules)
        #expect(resumedLoop.schedule(of: "G").best.isFinite)
        #expect(resumed.weight.value.scalars == straight.weight.value.scalars)
        #expect(resumed.learningRates == Array(straight.learningRates.suffix(24)))
    }

    // MARK: - Early stops keep their losses

    @Test func stepLimitWritesTheLossesSinceTheLastLogLine() throws {
        let runFolder = folder("flush")
        let trainer = ToyTrainer()
        let training = loop(trainer, options(maxSteps: 3, name: "flush"), runFolder)
        #expect(try training.run() == .stepLimit)
        let records = training.lossRecords()
        #expect(records.map(\.iteration) == [3])
        let mean = trainer.reported.map(Double.init).reduce(0, +) / 3
        #expect(abs(Double(try #require(records.first?.losses["L"])) - mean) <= 1e-6 * abs(mean))
        let report = try String(contentsOf: runFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!report.contains("No losses logged yet") && (report.contains("<circle") || report.contains("<polyline")))

        // Resumed to 6 steps, the log adds the rest of epoch 1 and the next window.
        let more = loop(ToyTrainer(), options(maxSteps: 6, name: "flush"), runFolder)
        #expect(try more.run() == .stepLimit)
        #expect(more.lossRecords().map(\.iteration) == [3, 4, 6])  // 4: the end of epoch 1
    }

    @Test func interruptWritesTheLossesSinceTheLastLogLine() throws {
        let runFolder = folder("flush-interrupt")
        let trainer = ToyTrainer()
        let watcher = InterruptWatcher(listensToSignals: false)
        trainer.onStep = { step in
            if step == 2 { watcher.trigger() }
            return nil
        }
        let training = loop(trainer, options(maxSteps: 0, name: "interrupt"), runFolder, interrupts: watcher)
        #expect(try training.run() == .interrupted)
        #expect(training.lossRecords().map(\.iteration) == [2])
        let mean = (Double(trainer.reported[0]) + Double(trainer.reported[1])) / 2
        #expect(abs(Double(try #require(training.lossRecords().first?.losses["L"])) - mean) <= 1e-6 * abs(mean))
    }

    @Test func nonFiniteLossFirstWritesTheGoodIterations() throws {
        let runFolder = folder("flush-nan")
        let trainer = ToyTrainer()
        trainer.onStep = { $0 == 3 ? Float.nan : nil }
        #expect(throws: TrainingError.self) { try loop(trainer, options(maxSteps: 0, name: "nan"), runFolder).run() }
        let records = loop(ToyTrainer(), options(maxSteps: 0, name: "nan"), runFolder).lossRecords()
        #expect(records.map(\.iteration) == [2])
        #expect(records.first?.losses["L"]?.isFinite == true)
        let report = try String(contentsOf: runFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(!report.contains("No losses logged yet"))
    }

    // MARK: - init_from

    @Test func initFromLoadsANetworkAndNamesTheFileOnMismatch() throws {
        let source = ToyTrainer()
        source.weight.value = Compare.randomTensor([3, 4], seed: 99)
        let checkpointFolder = folder("init-source")
        try FileManager.default.createDirectory(at: checkpointFolder, withIntermediateDirectories: true)
        try source.saveNetworks(tag: "pre", in: checkpointFolder, step: 0)
        let file = checkpointFolder.appendingPathComponent("pre_net_G.safetensors").path

        // A run with init_from trains from the checkpoint's weights: the same as setting them by hand.
        var options = options(maxSteps: 2, name: "init")
        options.initFrom = "G=\(file)"
        let started = ToyTrainer()
        #expect(try loop(started, options, folder("init")).run() == .stepLimit)
        let manual = ToyTrainer()
        manual.weight.value = source.weight.value
        manual.bias.value = source.bias.value
        #expect(try loop(manual, self.options(maxSteps: 2, name: "manual"), folder("manual")).run() == .stepLimit)
        #expect(started.weight.value.scalars == manual.weight.value.scalars)

        // A checkpoint of another shape is refused, naming the file and the key.
        let wrong = folder("init-wrong")
        try FileManager.default.createDirectory(at: wrong, withIntermediateDirectories: true)
        let wrongFile = wrong.appendingPathComponent("w_net_G.safetensors")
        try SafeTensors.write(.init(tensors: [("fc.weight", Tensor(zeros: [2, 4])), ("fc.bias", Tensor(zeros: [3]))], metadata: [:]),
                              to: wrongFile)
        let target = ToyTrainer()
        let before = target.weight.value.scalars
        do {
            try loop(target, options, folder("init-wrong-run")).initializeNetworks(from: wrongFile.path)
            Issue.record("a mis-shaped checkpoint was accepted")
        } catch let error as TrainingError {
            #expect(error.message.contains(wrongFile.path) && error.message.contains("fc.weight") && error.message.contains("mis-shaped"))
        }
        #expect(target.weight.value.scalars == before)
        #expect(throws: TrainingError.self) {
            try loop(ToyTrainer(), options, folder("init-missing")).initializeNetworks(from: "/nonexistent/x.safetensors")
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// A trainer written against the protocol before contexts existed: it implements only `step(on:)`.
final class ContextFreeToy: Trainer {
    typealias Batch = (x: Tensor, y: Tensor)
    let weight = Parameter(Compare.randomTensor([3, 4], seed: 1))
    lazy var adam = Adam(parameters: [("fc.weight", weight)], learningRate: 0.05, beta1: 0.5)
    var steps = 0
    var networks: [(name: String, parameters: [(name: String, parameter: Parameter)])] { [("G", [("fc.weight", weight)])] }
    var optimizers: [(name: String, optimizer: any Optimizer)] { [("G", adam)] }
    var randomSources: [(name: String, source: RandomSource)] { [] }

    func step(on batch: Batch) -> [(name: String, value: Float)] {
        steps += 1
        let loss = batch.x.linear(weight: weight.tracked, bias: nil).mseLoss(batch.y)
        loss.backward()
        adam.step()
        return [("L", loss.scalar)]
    }

    func visuals(for batch: Batch) -> [(label: String, image: Tensor)] { [] }
    func saveNetworks(tag: String, in folder: URL, step: Int) throws {}
}

@Suite struct TrainerProtocolTests {
    @Test func aTrainerWithOnlyStepOnRunsInTheLoop() throws {
        let trainer = ContextFreeToy()
        var options = TrainOptions(model: .pix2pix)
        options.dataroot = "toy"
        options.nEpochs = 1
        options.nEpochsDecay = 0
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("translate-protocol-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        let loop = TrainingLoop(trainer: trainer, source: ToySource(), options: options, runFolder: folder,
                                interrupts: InterruptWatcher(listensToSignals: false)) { _, _ in }
        loop.progressStyle = .silent
        loop.log = { _ in }
        #expect(try loop.run() == .finished)
        #expect(trainer.steps == 4)
        #expect(loop.lossRecords().map(\.iteration) == [4])
    }
}
