import Foundation
import Kernels

extension Tensor {
    /// Mean squared error, mean over all elements (`nn.MSELoss`). Composite.
    public func mseLoss(_ target: Tensor) -> Tensor { subtracting(target).squared().mean() }

    /// Mean absolute error (`nn.L1Loss`). Composite.
    public func l1Loss(_ target: Tensor) -> Tensor { subtracting(target).abs().mean() }

    /// Mean binary cross-entropy of `sigmoid(self)` against `target` (`nn.BCEWithLogitsLoss`),
    /// computed in the stable form `max(x,0) − x·t + log(1 + e^−|x|)`.
    public func bceWithLogitsLoss(_ target: Tensor) -> Tensor {
        precondition(shape == target.shape, "bceWithLogits: logits \(shape) vs target \(target.shape)")
        let x = detached(), t = target.detached()
        var total = 0.0
        for i in 0..<scalarCount {
            let v = x.storage.pointer[i], y = t.storage.pointer[i]
            total += Double(Swift.max(v, 0) - v * y + Foundation.log1p(Foundation.exp(-Swift.abs(v))))
        }
        let count = Float(scalarCount)
        return Tensor(Float(total) / count).recording("bceWithLogits", inputs: [self, target]) { gradOutput, needs in
            let g = gradOutput.scalar / count
            // d/dx = (σ(x) − t)/N ; d/dt = −x/N
            let dx = needs[0] ? Tensor.elementwise(x, t) { xp, tp, out, n in
                for i in 0..<n { out[i] = (Tensor.sigmoid(xp[i]) - tp[i]) * g }
            } : nil
            let dt = needs[1] ? x.scaled(by: -g) : nil
            return [dx, dt]
        }
    }

    /// BCE-with-logits against a constant label (1 for real, 0 for fake), as the GAN loss uses it.
    public func bceWithLogitsLoss(target label: Float) -> Tensor {
        bceWithLogitsLoss(Tensor(repeating: label, shape: shape))
    }

    /// MSE against a constant label (LSGAN).
    public func mseLoss(target label: Float) -> Tensor { mseLoss(Tensor(repeating: label, shape: shape)) }
}
