import Tensors

/// The adversarial loss of the reference (`networks.GANLoss`): `vanilla` is BCE-with-logits against
/// 1 (real) or 0 (fake); `lsgan` is the mean squared error against those labels.
public enum GANMode: String, CaseIterable, Codable, Sendable {
    case vanilla, lsgan

    /// The loss of discriminator output `prediction` when the target is real (`true`) or fake.
    public func loss(_ prediction: Tensor, isReal: Bool) -> Tensor {
        let label: Float = isReal ? 1 : 0
        switch self {
        case .vanilla: return prediction.bceWithLogitsLoss(target: label)
        case .lsgan: return prediction.mseLoss(target: label)
        }
    }
}
