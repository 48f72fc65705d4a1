import Foundation

/// The reference's learning-rate policies (`--lr_policy`), stepped once per epoch.
public enum LearningRatePolicy: String, CaseIterable, Codable, Sendable {
    case linear, step, plateau, cosine
}

/// A learning-rate schedule with its position, saved in checkpoints so a resumed run continues it.
///
/// Formulas as `networks.get_scheduler` in the reference:
/// - linear: `lr·(1 − max(0, epoch + epochCount − nEpochs) / (nEpochsDecay + 1))`
/// - step: `lr·0.1^⌊epoch / decayEpochs⌋` (`--lr_decay_iters`, counted in epochs as the reference does)
/// - cosine: `lr·(1 + cos(π·epoch / nEpochs)) / 2` (CosineAnnealingLR, T_max = n_epochs, eta_min 0)
/// - plateau: ×0.2 after more than 5 epochs without a relative improvement of 1 % (ReduceLROnPlateau)
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public var policy: LearningRatePolicy
    public var baseLearningRate: Float
    public var nEpochs: Int
    public var nEpochsDecay: Int
    public var epochCount: Int
    public var decayEpochs: Int
    /// Scheduler steps taken (the reference's `last_epoch`).
    public private(set) var epoch = 0
    // Plateau state.
    public private(set) var plateauFactor: Float = 1
    public private(set) var best: Double = .infinity
    public private(set) var badEpochs = 0

    public init(policy: LearningRatePolicy, baseLearningRate: Float, nEpochs: Int = 100, nEpochsDecay: Int = 100,
                epochCount: Int = 1, decayEpochs: Int = 50) {
        self.policy = policy
        self.baseLearningRate = baseLearningRate
        self.nEpochs = nEpochs
        self.nEpochsDecay = nEpochsDecay
        self.epochCount = epochCount
        self.decayEpochs = decayEpochs
    }

    /// The learning rate for the current epoch.
    public var learningRate: Float {
        switch policy {
        case .linear:
            let decay = Float(Swift.max(0, epoch + epochCount - nEpochs)) / Float(nEpochsDecay + 1)
            return baseLearningRate * (1 - decay)
        case .step:
            return baseLearningRate * Float(Foundation.pow(0.1, Double(epoch / Swift.max(1, decayEpochs))))
        case .cosine:
            return baseLearningRate * Float((1 + Foundation.cos(Double.pi * Double(epoch) / Double(Swift.max(1, nEpochs)))) / 2)
        case .plateau:
            return baseLearningRate * plateauFactor
        }
    }

    /// Ends an epoch. `metric` (lower is better) drives the plateau policy and is ignored otherwise.
    public mutating func step(metric: Double? = nil) {
        epoch += 1
        guard policy == .plateau, let metric else { return }
        if metric < best * (1 - 0.01) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
            if badEpochs > 5 {
                plateauFactor *= 0.2
                badEpochs = 0
            }
        }
    }
}
