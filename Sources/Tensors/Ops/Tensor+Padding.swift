import Kernels

/// How `padded(…)` fills the border.
public enum PaddingMode: Sendable, Hashable {
    /// Zeros (`F.pad(mode="constant")`).
    case zero
    /// The mirror image without repeating the edge pixel (`ReflectionPad2d`); each pad must be smaller
    /// than the padded dimension.
    case reflect
    /// The edge pixel repeated (`ReplicationPad2d`).
    case replicate

    var kernelMode: PaddingGeometry.Mode {
        switch self {
        case .zero: return .zero
        case .reflect: return .reflect
        case .replicate: return .replicate
        }
    }
}

extension Tensor {
    /// Pads the two spatial dimensions of an `[N, C, H, W]` tensor.
    ///
    /// - Returns: `[N, C, H + top + bottom, W + left + right]`.
    /// - Precondition: every pad is ≥ 0; for `.reflect`, `top, bottom < H` and `left, right < W`.
    public func padded(top: Int, bottom: Int, left: Int, right: Int, mode: PaddingMode) -> Tensor {
        precondition(shape.rank == 4, "padded: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
                     "padded: pads must be ≥ 0, got top \(top), bottom \(bottom), left \(left), right \(right)")
        switch mode {
        case .zero:
            break
        case .reflect:
            precondition(top < h && bottom < h && left < w && right < w,
                         "padded(.reflect): pads (top \(top), bottom \(bottom), left \(left), right \(right)) must be "
                         + "smaller than the input's \(h)×\(w)")
        case .replicate:
            precondition(h > 0 && w > 0, "padded(.replicate): cannot replicate the border of an empty \(h)×\(w) input")
        }
        let g = PaddingGeometry(planes: n * c, height: h, width: w, top: top, bottom: bottom, left: left,
                                right: right, mode: mode.kernelMode)
        let output = Tensor.uninitialized([n, c, g.outputHeight, g.outputWidth])
        PaddingKernels.forward(g, x: storage.pointer, y: output.storage.pointer)
        let inputShape = shape
        return output.recording("pad", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            PaddingKernels.backward(g, dy: gradOutput.storage.pointer, dx: dx.storage.pointer)
            return [dx]
        }
    }

    /// Pads every side of the spatial dimensions by `amount`.
    public func padded(by amount: Int, mode: PaddingMode) -> Tensor {
        padded(top: amount, bottom: amount, left: amount, right: amount, mode: mode)
    }
}
