import Kernels

// MARK: - Convolution

extension Tensor {
    /// 2-D cross-correlation, as PyTorch's `F.conv2d`, with zero padding on all four sides.
    ///
    /// - Parameters:
    ///   - weight: `[O, C, kh, kw]`.
    ///   - bias: `[O]`, or nil.
    /// - Returns: `[N, O, Ho, Wo]` with `Ho = ⌊(H + 2·padding − kh)/stride⌋ + 1` (likewise `Wo`).
    /// - Precondition: `self` is `[N, C, H, W]` and the kernel fits the padded input.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) -> Tensor {
        precondition(shape.rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(weight.shape.rank == 4, "conv2d: weight must be [O, C, kh, kw], got \(weight.shape)")
        let (o, wc, kh, kw) = weight.shape.nchw
        precondition(wc == c, "conv2d: input has \(c) channels, weight \(weight.shape) expects \(wc)")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
        if let bias {
            precondition(bias.shape == [o], "conv2d: bias must be [\(o)], got \(bias.shape)")
        }
        let g = Conv2DGeometry(batch: n, inputChannels: c, outputChannels: o, height: h, width: w,
                               kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding)
        precondition(g.isValid && n > 0 && o > 0,
                     "conv2d: kernel \(kh)×\(kw) does not fit input \(h)×\(w) with padding \(padding) "
                     + "(or a size is 0)")

        // The backward pass runs on the path the forward pass took.
        let path = ConvolutionPath.current
        let output = Tensor.uninitialized([n, o, g.outputHeight, g.outputWidth])
        Scratch.with(count: g.scratchCount(for: path)) { scratch in
            Conv2DKernels.forward(g, x: storage.pointer, w: weight.storage.pointer, bias: bias?.storage.pointer,
                                  y: output.storage.pointer, scratch: scratch, path: path)
        }
        let input = detached(), kernel = weight.detached()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return output.recording("conv2d", inputs: inputs) { gradOutput, needs in
            let dy = gradOutput.storage.pointer
            var grads: [Tensor?] = [nil, nil, nil]
            let biasNeeded = needs.count == 3 && needs[2]
            Scratch.with(count: g.scratchCount(for: path)) { scratch in
                if needs[0] {
                    let dx = Tensor.uninitialized(input.shape)
                    Conv2DKernels.backwardInput(g, dy: dy, w: kernel.storage.pointer, dx: dx.storage.pointer,
                                                scratch: scratch, path: path)
                    grads[0] = dx
                }
                if needs[1] {
                    // The bias gradient comes out of the same pass (oneDNN sums it alongside).
                    let dw = Tensor.uninitialized(kernel.shape)
                    let db = biasNeeded ? Tensor.uninitialized([o]) : nil
                    Conv2DKernels.backwardWeight(g, dy: dy, x: input.storage.pointer, dw: dw.storage.pointer,
                                                 db: db?.storage.pointer, scratch: scratch, path: path)
                    grads[1] = dw
                    grads[2] = db
                }
            }
            if biasNeeded && grads[2] == nil { grads[2] = Tensor.channelSums(gradOutput) }
            return Array(grads.prefix(needs.count))
        }
    }

    /// 2-D transposed convolution, as PyTorch's `F.conv_transpose2d` (the adjoint of `conv2d` with the
    /// same weight, stride and padding).
    ///
    /// - Parameters:
    ///   - weight: `[Cin, Cout, kh, kw]` (PyTorch's `ConvTranspose2d` layout).
    ///   - bias: `[Cout]`, or nil.
    ///   - outputPadding: extra rows and columns added at the bottom and right (`< stride`).
    /// - Returns: `[N, Cout, Ho, Wo]` with `Ho = (H − 1)·stride − 2·padding + kh + outputPadding`.
    /// - Precondition: `self` is `[N, Cin, H, W]`.
    public func convTransposed2d(
        weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0
    ) -> Tensor {
        precondition(shape.rank == 4, "convTransposed2d: input must be [N, Cin, H, W], got \(shape)")
        let (n, cin, h, w) = shape.nchw
        precondition(weight.shape.rank == 4,
                     "convTransposed2d: weight must be [Cin, Cout, kh, kw], got \(weight.shape)")
        let (wcin, cout, kh, kw) = weight.shape.nchw
        precondition(wcin == cin, "convTransposed2d: input has \(cin) channels, weight \(weight.shape) expects \(wcin)")
        precondition(stride >= 1 && padding >= 0,
                     "convTransposed2d: stride \(stride) must be ≥ 1 and padding \(padding) ≥ 0")
        precondition(outputPadding >= 0 && outputPadding < stride,
                     "convTransposed2d: outputPadding \(outputPadding) must be in 0..<stride (\(stride))")
        if let bias {
            precondition(bias.shape == [cout], "convTransposed2d: bias must be [\(cout)], got \(bias.shape)")
        }
        let g = ConvTranspose2DGeometry(batch: n, inputChannels: cin, outputChannels: cout, height: h, width: w,
                                        kernelHeight: kh, kernelWidth: kw, stride: stride, padding: padding,
                                        outputPadding: outputPadding)
        precondition(g.isValid, "convTransposed2d: input \(h)×\(w), kernel \(kh)×\(kw), stride \(stride), padding "
                     + "\(padding) give an empty output (or a size is 0)")

        let path = ConvolutionPath.current
        let output = Tensor.uninitialized([n, cout, g.outputHeight, g.outputWidth])
        Scratch.with(count: g.scratchCount(for: path)) { scratch in
            ConvTranspose2DKernels.forward(g, x: storage.pointer, w: weight.storage.pointer,
                                           bias: bias?.storage.pointer, y: output.storage.pointer, scratch: scratch,
                                           path: path)
        }
        let input = detached(), kernel = weight.detached()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return output.recording("convTransposed2d", inputs: inputs) { gradOutput, needs in
            let dy = gradOutput.storage.pointer
            var grads: [Tensor?] = [nil, nil]
            Scratch.with(count: g.scratchCount(for: path)) { scratch in
                if needs[0] {
                    let dx = Tensor.uninitialized(input.shape)
                    ConvTranspose2DKernels.backwardInput(g, dy: dy, w: kernel.storage.pointer,
                                                         dx: dx.storage.pointer, scratch: scratch, path: path)
                    grads[0] = dx
                }
                if needs[1] {
                    let dw = Tensor.uninitialized(kernel.shape)
                    ConvTranspose2DKernels.backwardWeight(g, dy: dy, x: input.storage.pointer,
                                                          dw: dw.storage.pointer, scratch: scratch, path: path)
                    grads[1] = dw
                }
            }
            if needs.count == 3 {
                grads.append(needs[2] ? Tensor.channelSums(gradOutput) : nil)
            }
            return grads
        }
    }

    /// `[C]` sums of an `[N, C, H, W]` tensor over N, H and W: a bias gradient.
    static func channelSums(_ x: Tensor) -> Tensor {
        let (n, c, h, w) = x.shape.nchw
        let result = Tensor.uninitialized([c])
        Conv2DKernels.channelSums(x.storage.pointer, db: result.storage.pointer, batch: n, channels: c, plane: h * w)
        return result
    }
}
