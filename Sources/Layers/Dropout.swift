import Tensors

/// Zeroes each element with probability `probability` and scales the rest by `1/(1−p)` in
/// `.training`; the identity in `.inference`. The mask comes from `source`, whose state training
/// checkpoints, so a resumed run draws the same masks.
public final class Dropout: Layer {
    public let probability: Float
    public let source: RandomSource

    public init(probability: Float = 0.5, source: RandomSource = .shared) {
        precondition(probability >= 0 && probability < 1, "Dropout: probability must be in [0, 1), got \(probability)")
        self.probability = probability
        self.source = source
    }

    public func callAsFunction(_ input: Tensor, phase: Phase) -> Tensor {
        guard phase == .training, probability > 0 else { return input }
        return input.dropout(probability: probability, source: source)
    }

    public func forEachParameter(prefix: String, _ body: (String, Parameter) -> Void) {}
}
