import Kernels

// MARK: - Pooling

extension Tensor {
    /// Max over `kernelSize × kernelSize` windows moved by `stride`, without padding (`F.max_pool2d`,
    /// `ceil_mode=False`). The gradient goes to the first maximum of each window.
    ///
    /// - Returns: `[N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1]`.
    public func maxPool2d(kernelSize: Int, stride: Int) -> Tensor {
        let g = poolGeometry("maxPool2d", kernelSize: kernelSize, stride: stride)
        let (n, c, _, _) = shape.nchw
        let output = Tensor.uninitialized([n, c, g.outputHeight, g.outputWidth])
        PoolingKernels.maxForward(g, x: storage.pointer, y: output.storage.pointer)
        let input = detached()
        return output.recording("maxPool2d", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(input.shape)
            PoolingKernels.maxBackward(g, dy: gradOutput.storage.pointer, x: input.storage.pointer,
                                       dx: dx.storage.pointer)
            return [dx]
        }
    }

    /// Mean over `kernelSize × kernelSize` windows moved by `stride`, without padding (`F.avg_pool2d`).
    ///
    /// - Returns: `[N, C, ⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1]`.
    public func avgPool2d(kernelSize: Int, stride: Int) -> Tensor {
        let g = poolGeometry("avgPool2d", kernelSize: kernelSize, stride: stride)
        let (n, c, _, _) = shape.nchw
        let output = Tensor.uninitialized([n, c, g.outputHeight, g.outputWidth])
        PoolingKernels.averageForward(g, x: storage.pointer, y: output.storage.pointer)
        let inputShape = shape
        return output.recording("avgPool2d", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            PoolingKernels.averageBackward(g, dy: gradOutput.storage.pointer, dx: dx.storage.pointer)
            return [dx]
        }
    }

    private func poolGeometry(_ name: String, kernelSize: Int, stride: Int) -> PoolGeometry {
        precondition(shape.rank == 4, "\(name): input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(kernelSize >= 1 && stride >= 1,
                     "\(name): kernelSize \(kernelSize) and stride \(stride) must be ≥ 1")
        precondition(h >= kernelSize && w >= kernelSize,
                     "\(name): window \(kernelSize) larger than the input \(h)×\(w)")
        return PoolGeometry(planes: n * c, height: h, width: w, kernelSize: kernelSize, stride: stride)
    }
}

// MARK: - Pixel shuffle

extension Tensor {
    /// Rearranges `[N, C·r², H, W]` into `[N, C, H·r, W·r]` (PyTorch `nn.PixelShuffle(r)`):
    /// `y[n, c, h·r + i, w·r + j] = x[n, c·r² + i·r + j, h, w]`.
    /// - Precondition: the channel count is a multiple of `r²`.
    public func pixelShuffled(upscaleFactor r: Int) -> Tensor {
        precondition(shape.rank == 4, "pixelShuffled: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(r >= 1, "pixelShuffled: upscaleFactor must be ≥ 1, got \(r)")
        precondition(c % (r * r) == 0, "pixelShuffled: \(c) channels are not a multiple of \(r)² = \(r * r)")
        let g = PixelShuffleGeometry(batch: n, channels: c / (r * r), height: h, width: w, factor: r)
        let output = Tensor.uninitialized([n, c / (r * r), h * r, w * r])
        PixelShuffleKernels.shuffle(g, x: storage.pointer, y: output.storage.pointer)
        let inputShape = shape
        return output.recording("pixelShuffle", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            PixelShuffleKernels.unshuffle(g, y: gradOutput.storage.pointer, x: dx.storage.pointer)
            return [dx]
        }
    }

    /// Rearranges `[N, C, H·r, W·r]` into `[N, C·r², H, W]` (PyTorch `F.pixel_unshuffle(x, r)` and
    /// BasicSR's `pixel_unshuffle`), the inverse of `pixelShuffled(upscaleFactor:)`:
    /// `y[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j]`. Real-ESRGAN's ×2 and ×1 RRDBNets
    /// apply it to their input.
    /// - Precondition: the height and width are multiples of `r`.
    public func pixelUnshuffled(downscaleFactor r: Int) -> Tensor {
        precondition(shape.rank == 4, "pixelUnshuffled: input must be [N, C, H, W], got \(shape)")
        let (n, c, h, w) = shape.nchw
        precondition(r >= 1, "pixelUnshuffled: downscaleFactor must be ≥ 1, got \(r)")
        precondition(h % r == 0 && w % r == 0, "pixelUnshuffled: \(h)×\(w) is not a multiple of \(r)")
        let g = PixelShuffleGeometry(batch: n, channels: c, height: h / r, width: w / r, factor: r)
        let output = Tensor.uninitialized([n, c * r * r, h / r, w / r])
        PixelShuffleKernels.unshuffle(g, y: storage.pointer, x: output.storage.pointer)
        let inputShape = shape
        return output.recording("pixelUnshuffle", inputs: [self]) { gradOutput, _ in
            let dx = Tensor.uninitialized(inputShape)
            PixelShuffleKernels.shuffle(g, x: gradOutput.storage.pointer, y: dx.storage.pointer)
            return [dx]
        }
    }
}
