import Kernels

// MARK: - Winograd convolution (inference)

/// The weights of a 3×3 convolution transformed once for `winogradConvolved(_:padding:)`:
/// `36·O·C` floats (4× the plain weights).
public struct WinogradWeights: @unchecked Sendable {
    public let outputChannels: Int
    public let inputChannels: Int
    /// `[36, O, C]`: `G · w[o, c] · Gᵀ` at each of the 36 positions of a transformed tile.
    package let transformed: Tensor
    package let bias: Tensor?

    /// - Parameters:
    ///   - weight: `[O, C, 3, 3]`.
    ///   - bias: `[O]`, or nil.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.shape.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3,
                     "WinogradWeights: weight must be [O, C, 3, 3], got \(weight.shape)")
        let (o, c, _, _) = weight.shape.nchw
        if let bias { precondition(bias.shape == [o], "WinogradWeights: bias must be [\(o)], got \(bias.shape)") }
        outputChannels = o
        inputChannels = c
        let source = weight.detached()
        transformed = Tensor.build(shape: [36, o, c]) { buffer in
            WinogradKernels.transformWeights(outputChannels: o, inputChannels: c, w: source.storage.pointer,
                                             u: buffer.baseAddress!)
        }
        self.bias = bias?.detached()
    }
}

extension Tensor {
    /// The 3×3, stride-1 convolution of `self` (`[N, C, H, W]`) padded by one pixel on each side,
    /// computed by Winograd F(4×4, 3×3): the same result as `padded(by: 1, mode:)` then
    /// `conv2d(weight:bias:)` up to float rounding (≈1e-6 relative), with 4× fewer multiplies.
    /// Forward only: it records no gradient (for inference).
    ///
    /// - Parameter padding: `.reflect` (the ResNet blocks' `ReflectionPad2d(1)`) or `.zero` (`padding=1`).
    /// - Returns: `[N, O, H, W]`.
    /// - Precondition: C matches the weights; reflection needs H, W ≥ 2; `.replicate` is not supported.
    public func winogradConvolved(_ weights: WinogradWeights, padding: PaddingMode) -> Tensor {
        let (n, c, h, w) = shape.nchw
        precondition(c == weights.inputChannels,
                     "winogradConvolved: input has \(c) channels, weights expect \(weights.inputChannels)")
        precondition(padding != .replicate, "winogradConvolved: replicate padding is not supported")
        let g = WinogradGeometry(inputChannels: c, outputChannels: weights.outputChannels, height: h, width: w,
                                 reflect: padding == .reflect)
        precondition(g.isValid && n > 0, "winogradConvolved: cannot reflect-pad a \(h)×\(w) image (or a size is 0)")
        let input = detached()
        let output = Tensor.uninitialized([n, weights.outputChannels, h, w])
        Scratch.with(count: g.scratchCount) { scratch in
            for image in 0..<n {
                WinogradKernels.forward(g, x: input.storage.pointer + image * c * h * w,
                                        u: weights.transformed.storage.pointer, bias: weights.bias?.storage.pointer,
                                        y: output.storage.pointer + image * weights.outputChannels * h * w,
                                        scratch: scratch.baseAddress!)
            }
        }
        return output
    }
}

extension Tensor {
    /// `conv2d(weight:bias:padding:)` with stride 1, by a direct loop that keeps three output
    /// channels in registers: for layers with few output channels (a generator's last 64 → 3
    /// convolution), where im2col + gemm is thin and slow. Zero padding is handled inside the loop
    /// (no padded copy of the input). Same result up to float rounding. Forward only: it records no
    /// gradient (for inference).
    ///
    /// - Parameters:
    ///   - weight: `[O, C, k, k]`.
    ///   - bias: `[O]`, or nil.
    ///   - padding: zero padding on each side (SRResNet's 9×9 tail: 4).
    /// - Returns: `[N, O, H + 2·padding − k + 1, W + 2·padding − k + 1]`.
    public func directConvolved(weight: Tensor, bias: Tensor?, padding: Int = 0) -> Tensor {
        let (n, c, h, w) = shape.nchw
        precondition(weight.shape.rank == 4 && weight.shape[2] == weight.shape[3],
                     "directConvolved: weight must be [O, C, k, k], got \(weight.shape)")
        let (o, wc, k, _) = weight.shape.nchw
        precondition(wc == c, "directConvolved: input has \(c) channels, weight \(weight.shape) expects \(wc)")
        precondition(padding >= 0, "directConvolved: padding must be non-negative, got \(padding)")
        precondition(h + 2 * padding >= k && w + 2 * padding >= k,
                     "directConvolved: kernel \(k)×\(k) does not fit input \(h)×\(w) with padding \(padding)")
        if let bias { precondition(bias.shape == [o], "directConvolved: bias must be [\(o)], got \(bias.shape)") }
        let (input, kernel, offsets) = (detached(), weight.detached(), bias?.detached())
        let (ho, wo) = (h + 2 * padding - k + 1, w + 2 * padding - k + 1)
        let output = Tensor.uninitialized([n, o, ho, wo])
        for image in 0..<n {
            FewOutputConvKernels.forward(inputChannels: c, outputChannels: o, height: h, width: w, kernelSize: k,
                                         padding: padding, x: input.storage.pointer + image * c * h * w,
                                         w: kernel.storage.pointer, bias: offsets?.storage.pointer,
                                         y: output.storage.pointer + image * o * ho * wo)
        }
        return output
    }
}

// MARK: - oneDNN convolution with weights prepared once (inference)

/// A convolution's weight and bias with copies in the layouts oneDNN's inference primitives want, each
/// made once, on first use (`dnnlConvolved`). For inference: the weight must not change afterwards.
package final class DNNLConvolutionWeights: @unchecked Sendable {
    package let weight: Tensor
    package let bias: Tensor?
    let prepared: DNNL.PreparedWeights

    /// - Parameters:
    ///   - weight: `[O, C, kh, kw]`.
    ///   - bias: `[O]`, or nil.
    package init(weight: Tensor, bias: Tensor?) {
        precondition(weight.shape.rank == 4, "DNNLConvolutionWeights: weight must be [O, C, kh, kw], got \(weight.shape)")
        if let bias {
            precondition(bias.shape == [weight.shape[0]],
                         "DNNLConvolutionWeights: bias must be [\(weight.shape[0])], got \(bias.shape)")
        }
        self.weight = weight.detached()
        self.bias = bias?.detached()
        prepared = DNNL.PreparedWeights(self.weight.storage.pointer)
    }

    /// The geometry of these weights on an `[N, C, H, W]` input.
    func geometry(_ inputShape: Shape, stride: Int, padding: Int) -> Conv2DGeometry {
        let (n, c, h, w) = inputShape.nchw
        let (o, wc, kh, kw) = weight.shape.nchw
        precondition(wc == c, "dnnlConvolved: input has \(c) channels, weight \(weight.shape) expects \(wc)")
        let g = Conv2DGeometry(batch: n, inputChannels: c, outputChannels: o, height: h, width: w,
                               kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding)
        precondition(g.isValid, "dnnlConvolved: kernel \(kh)×\(kw) does not fit input \(h)×\(w) with padding \(padding)")
        return g
    }

    /// True when oneDNN offers its Winograd algorithm for this convolution on an `inputShape` input here.
    package func offersWinograd(on inputShape: Shape, stride: Int = 1, padding: Int) -> Bool {
        DNNL.supports(geometry(inputShape, stride: stride, padding: padding), algorithm: .winograd)
    }
}

extension Tensor {
    /// `conv2d(weight:bias:stride:padding:)` forward by oneDNN's inference primitive on weights prepared
    /// once. Same result up to float rounding; records no gradient (for inference).
    /// - Parameters:
    ///   - winograd: use oneDNN's Winograd algorithm (check `offersWinograd` first).
    ///   - imageByImage: run the batch one image at a time, so each image's bytes do not depend on the
    ///     batch it came in.
    package func dnnlConvolved(
        _ weights: DNNLConvolutionWeights, stride: Int = 1, padding: Int, winograd: Bool = false,
        imageByImage: Bool = false
    ) -> Tensor {
        var g = weights.geometry(shape, stride: stride, padding: padding)
        let input = detached()
        let output = Tensor.uninitialized([g.batch, g.outputChannels, g.outputHeight, g.outputWidth])
        let images = imageByImage ? g.batch : 1
        g.batch /= images
        let (inputCount, outputCount) = (g.batch * g.inputChannels * g.inputPlane, g.batch * g.outputChannels * g.outputPlane)
        for image in 0..<images {
            DNNL.convolutionForward(g, x: input.storage.pointer + image * inputCount, prepared: weights.prepared,
                                    bias: weights.bias?.storage.pointer, y: output.storage.pointer + image * outputCount,
                                    algorithm: winograd ? .winograd : .direct)
        }
        return output
    }
}
