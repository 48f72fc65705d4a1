import Foundation

/// The reference's learning-rate policies (`--lr_policy`), stepped once per epoch.
public enum LearningRatePolicy: String, CaseIterable, Codable, Sendable {
    case linear, step, plateau, cosine
}

/// One optimizer's learning-rate schedule with its position, saved in checkpoints so a resumed run
/// continues it. The formulas are PyTorch's schedulers at `last_epoch = position`:
///
/// - linear (`networks.get_scheduler`, LambdaLR): `lr·(1 − max(0, position + epochCount − nEpochs) / (nEpochsDecay + 1))`
/// - step (StepLR): `lr·γ^⌊position / stepSize⌋` (the reference: γ 0.1, step size `--lr_decay_iters` epochs)
/// - cosine (CosineAnnealingLR): `ηmin + (lr − ηmin)·(1 + cos(π·position / tMax)) / 2` (reference: tMax = n_epochs)
/// - plateau (ReduceLROnPlateau, mode min, relative threshold): ×factor after more than `patience`
///   steps without a metric below `best·(1 − threshold)`; a reduction smaller than `eps` is skipped
/// - multiStep (MultiStepLR, BasicSR's MultiStep without restarts): `lr·γ^(milestones ≤ position)`
/// - cosineAnnealingRestart (BasicSR's CosineAnnealingRestartLR): cosine within each period, the
///   period's `restartWeight` scaling the amplitude
///
/// When a schedule steps is the loop's business (`unit`): an `.epoch` schedule steps at the start of
/// every epoch, including the first (the reference's `train.py` calls `update_learning_rate()` before
/// each epoch's batches, so epoch `epoch_count` already trains at position 1); an `.iteration`
/// schedule steps after every iteration of its optimizer (BasicSR: iteration 1 trains at position 0).
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    /// What one step of the schedule counts.
    public enum Unit: String, Codable, Sendable { case epoch, iteration }

    /// ReduceLROnPlateau's settings; the reference's are factor 0.2, patience 5, threshold 0.01.
    public struct Plateau: Codable, Sendable, Equatable {
        public var factor: Double = 0.2
        public var patience = 5
        public var threshold: Double = 0.01
        public var eps: Double = 1e-8
        public var minimumLearningRate: Double = 0
        public init() {}
    }

    /// The formula.
    public enum Kind: Codable, Sendable, Equatable {
        case constant
        case linear(nEpochs: Int, nEpochsDecay: Int, epochCount: Int)
        case step(stepSize: Int, gamma: Double)
        case cosine(tMax: Int, etaMin: Double)
        case plateau(Plateau)
        case multiStep(milestones: [Int], gamma: Double)
        case cosineAnnealingRestart(periods: [Int], restartWeights: [Double], etaMin: Double)
    }

    public var kind: Kind
    public var unit: Unit
    public var baseLearningRate: Float
    /// Steps taken (PyTorch's `last_epoch`).
    public private(set) var position = 0
    /// The epoch in which an `.epoch` schedule last stepped (the loop's bookkeeping, so a run resumed
    /// in the middle of an epoch does not step twice).
    public var steppedInEpoch: Int?
    // Plateau state: the current rate, the best metric and the steps without improvement.
    public private(set) var plateauLearningRate: Double?
    public private(set) var best: Double = .infinity
    public private(set) var badSteps = 0

    public init(_ kind: Kind, unit: Unit, baseLearningRate: Float) {
        self.kind = kind
        self.unit = unit
        self.baseLearningRate = baseLearningRate
    }

    /// The reference's per-epoch schedule for `--lr_policy` (`networks.get_scheduler`).
    public init(policy: LearningRatePolicy, baseLearningRate: Float, nEpochs: Int = 100, nEpochsDecay: Int = 100,
                epochCount: Int = 1, decayEpochs: Int = 50) {
        let kind: Kind
        switch policy {
        case .linear: kind = .linear(nEpochs: nEpochs, nEpochsDecay: nEpochsDecay, epochCount: epochCount)
        case .step: kind = .step(stepSize: decayEpochs, gamma: 0.1)
        case .cosine: kind = .cosine(tMax: nEpochs, etaMin: 0)
        case .plateau: kind = .plateau(Plateau())
        }
        self.init(kind, unit: .epoch, baseLearningRate: baseLearningRate)
    }

    /// The schedule the options ask for (`lr_policy`, `n_epochs`, `n_epochs_decay`, `epoch_count`,
    /// `lr_decay_iters`), starting from `baseLearningRate` (the optimizer's initial rate).
    public init(options: TrainOptions, baseLearningRate: Float) {
        self.init(policy: options.lrPolicy, baseLearningRate: baseLearningRate,
                  nEpochs: options.nEpochs, nEpochsDecay: options.nEpochsDecay, epochCount: options.epochCount,
                  decayEpochs: options.lrDecayIters)
    }

    /// A schedule of a training state written before per-optimizer schedules existed: it had taken
    /// `position` steps at the ends of epochs (one fewer than the reference's timing by then), so the
    /// next epoch start steps it once more and the run continues on the reference's rates.
    init(legacy options: TrainOptions, baseLearningRate: Float, position: Int, plateauFactor: Double, best: Double, badSteps: Int) {
        self.init(options: options, baseLearningRate: baseLearningRate)
        self.position = position
        if isPlateau && plateauFactor != 1 { plateauLearningRate = Double(baseLearningRate) * plateauFactor }
        self.best = best
        self.badSteps = badSteps
    }

    public var isPlateau: Bool {
        if case .plateau = kind { return true }
        return false
    }

    /// The learning rate at the current position.
    public var learningRate: Float { Float(rate) }

    var rate: Double {
        let base = Double(baseLearningRate)
        let t = Double(position)
        switch kind {
        case .constant:
            return base
        case let .linear(nEpochs, nEpochsDecay, epochCount):
            return base * (1 - Double(Swift.max(0, position + epochCount - nEpochs)) / Double(nEpochsDecay + 1))
        case let .step(stepSize, gamma):
            return base * Foundation.pow(gamma, Double(position / Swift.max(1, stepSize)))
        case let .cosine(tMax, etaMin):
            return etaMin + (base - etaMin) * (1 + Foundation.cos(Double.pi * t / Double(Swift.max(1, tMax)))) / 2
        case .plateau:
            return plateauLearningRate ?? base
        case let .multiStep(milestones, gamma):
            return base * Foundation.pow(gamma, Double(milestones.filter { $0 <= position }.count))
        case let .cosineAnnealingRestart(periods, weights, etaMin):
            // The period holding `position` (BasicSR's get_position_from_periods: the first cumulative
            // period ≥ position); past the last one the last period continues.
            var restart = 0, index = 0
            while index < periods.count - 1 && position > restart + periods[index] {
                restart += periods[index]
                index += 1
            }
            let period = Double(Swift.max(1, periods.isEmpty ? 1 : periods[index]))
            let weight = weights.isEmpty ? 1 : weights[Swift.min(index, weights.count - 1)]
            return etaMin + weight * 0.5 * (base - etaMin) * (1 + Foundation.cos(Double.pi * (t - Double(restart)) / period))
        }
    }

    /// Advances one step. `metric` (lower is better) drives the plateau policy; nil records no
    /// observation (a monitored loss before its first epoch) and is ignored by the other kinds.
    public mutating func step(metric: Double? = nil) {
        position += 1
        guard case let .plateau(settings) = kind, let metric else { return }
        if metric < best * (1 - settings.threshold) {
            best = metric
            badSteps = 0
        } else {
            badSteps += 1
        }
        if badSteps > settings.patience {
            let old = plateauLearningRate ?? Double(baseLearningRate)
            let new = Swift.max(old * settings.factor, settings.minimumLearningRate)
            if old - new > settings.eps { plateauLearningRate = new }
            badSteps = 0
        }
    }
}
