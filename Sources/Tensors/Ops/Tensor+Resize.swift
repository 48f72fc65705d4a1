import Kernels

/// Interpolation used by `resized(height:width:method:)`.
public enum ResizeMethod: Sendable, Hashable {
    /// 2×2 taps (`mode="bilinear"`).
    case bilinear
    /// 4×4 taps of Keys' cubic with `A = −0.75`, border pixels repeated (`mode="bicubic"`).
    case bicubic
}

extension Tensor {
    /// Resizes the spatial dimensions of an `[N, C, H, W]` tensor as PyTorch's
    /// `F.interpolate(size=(height, width), mode=…, align_corners=False)` (no antialias, so downscaling
    /// by more than 2 aliases, as there). Differentiable: the backward is the interpolation's adjoint.
    ///
    /// - Returns: `[N, C, height, width]`.
    public func resized(height: Int, width: Int, method: ResizeMethod) -> Tensor {
        precondition(shape.rank == 4, "resized: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(height >= 1 && width >= 1, "resized: target size \(height)×\(width) must be positive")
        precondition(h >= 1 && w >= 1, "resized: input \(shape) has an empty plane")
        let kind: ResizeAxis.Method = method == .bilinear ? .bilinear : .bicubic
        let rows = ResizeAxis(input: h, output: height, method: kind)
        let columns = ResizeAxis(input: w, output: width, method: kind)
        let planes = n * c
        let output = Tensor.uninitialized([n, c, height, width])
        Scratch.with(count: planes * h * width) { scratch in
            ResizeKernels.forward(planes: planes, rows: rows, columns: columns, x: storage.pointer,
                                  y: output.storage.pointer, scratch: scratch.baseAddress!)
        }
        let inputShape = shape
        return output.recording("resize", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            Scratch.with(count: planes * h * width) { scratch in
                ResizeKernels.backward(planes: planes, rows: rows, columns: columns, dy: gradOutput.storage.pointer,
                                       dx: dx.storage.pointer, scratch: scratch.baseAddress!)
            }
            return [dx]
        }
    }

    /// Repeats every pixel of an `[N, C, H, W]` tensor into an `s × s` block, PyTorch's
    /// `F.interpolate(scale_factor=s, mode='nearest')` for an integer factor (ESRGAN's upsampling,
    /// SRVGGNetCompact's skip). Differentiable: the backward sums each block.
    ///
    /// - Returns: `[N, C, H·s, W·s]`.
    public func upsampledNearest(factor s: Int) -> Tensor {
        precondition(shape.rank == 4, "upsampledNearest: input must be [N, C, H, W], got \(shape)")
        precondition(s >= 1, "upsampledNearest: factor must be ≥ 1, got \(s)")
        let (n, c, h, w) = shape.nchw
        let output = Tensor.uninitialized([n, c, h * s, w * s])
        NearestUpsampleKernels.forward(planes: n * c, height: h, width: w, factor: s, x: storage.pointer,
                                       y: output.storage.pointer)
        let inputShape = shape
        return output.recording("upsampleNearest", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            NearestUpsampleKernels.backward(planes: n * c, height: h, width: w, factor: s,
                                            dy: gradOutput.storage.pointer, dx: dx.storage.pointer)
            return [dx]
        }
    }
}
