import Kernels

extension Tensor {
    /// The same elements under a new shape with the same element count.
    public func reshaped(to newShape: Shape) -> Tensor {
        precondition(newShape.elementCount == scalarCount, "reshape: \(shape) has \(scalarCount) elements, \(newShape) needs \(newShape.elementCount)")
        let output = Tensor(shape: newShape, storage: storage)
        let original = shape
        return output.recording("reshape", inputs: [self]) { gradOutput, _ in [gradOutput.reshaped(to: original)] }
    }

    /// `[N, ...]` → `[N, product of the rest]`.
    public func flattened() -> Tensor {
        precondition(shape.rank >= 1, "flatten: scalar tensor")
        return reshaped(to: [shape[0], scalarCount / Swift.max(1, shape[0])])
    }

    /// Concatenation of `tensors` along `axis`; every other dimension must match.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors")
        let first = tensors[0].shape
        precondition(axis >= 0 && axis < first.rank, "concatenate: axis \(axis) out of range for \(first)")
        for t in tensors {
            precondition(t.shape.rank == first.rank, "concatenate: ranks differ (\(first) vs \(t.shape))")
            for d in 0..<first.rank where d != axis {
                precondition(t.shape[d] == first[d], "concatenate along \(axis): \(first) vs \(t.shape)")
            }
        }
        // Each tensor is `outer` blocks of `t.shape[axis] · inner` contiguous floats.
        let outer = first.dimensions[..<axis].reduce(1, *)
        let inner = first.dimensions[(axis + 1)...].reduce(1, *)
        let sizes = tensors.map { $0.shape[axis] }
        let total = sizes.reduce(0, +)
        var outShape = first
        outShape[axis] = total
        let output = Tensor.uninitialized(outShape)
        var offset = 0
        for t in tensors {
            let block = t.shape[axis] * inner
            for o in 0..<outer {
                (output.storage.pointer + o * total * inner + offset * inner)
                    .update(from: t.storage.pointer + o * block, count: block)
            }
            offset += t.shape[axis]
        }
        return output.recording("concatenate", inputs: tensors) { gradOutput, needs in
            var start = 0
            return sizes.enumerated().map { index, size in
                defer { start += size }
                return needs[index] ? gradOutput.sliced(alongAxis: axis, start ..< start + size) : nil
            }
        }
    }

    /// `[self, other]` along `axis` (the U-Net skip concat is axis 1).
    public func concatenated(with other: Tensor, alongAxis axis: Int = 1) -> Tensor {
        Tensor.concatenate([self, other], alongAxis: axis)
    }

    /// The elements with index in `range` along `axis`.
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(axis >= 0 && axis < shape.rank, "slice: axis \(axis) out of range for \(shape)")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis], "slice: \(range) out of 0..<\(shape[axis])")
        let outer = shape.dimensions[..<axis].reduce(1, *)
        let inner = shape.dimensions[(axis + 1)...].reduce(1, *)
        let full = shape[axis]
        var outShape = shape
        outShape[axis] = range.count
        let output = Tensor.uninitialized(outShape)
        let block = range.count * inner
        for o in 0..<outer {
            (output.storage.pointer + o * block)
                .update(from: storage.pointer + (o * full + range.lowerBound) * inner, count: block)
        }
        let inputShape = shape
        return output.recording("slice", inputs: [self]) { gradOutput, _ in
            let gradInput = Tensor(zeros: inputShape)
            for o in 0..<outer {
                (gradInput.storage.pointer + (o * full + range.lowerBound) * inner)
                    .update(from: gradOutput.storage.pointer + o * block, count: block)
            }
            return [gradInput]
        }
    }

    /// Splits `[N, ...]` into N tensors of shape `[1, ...]`, detached.
    public func unstackedBatch() -> [Tensor] {
        (0..<shape[0]).map { sliced(alongAxis: 0, $0 ..< $0 + 1).detached() }
    }
}

// MARK: - Reductions

extension Tensor {
    /// Σ of all elements, as a scalar tensor.
    public func sum() -> Tensor {
        let total = ElementwiseKernels.sum(storage.pointer, scalarCount)
        let inputShape = shape
        return Tensor(total).recording("sum", inputs: [self]) { gradOutput, _ in
            [Tensor(repeating: gradOutput.scalar, shape: inputShape)]
        }
    }

    /// Mean of all elements, as a scalar tensor.
    public func mean() -> Tensor {
        let count = Float(scalarCount)
        let total = ElementwiseKernels.sum(storage.pointer, scalarCount)
        let inputShape = shape
        return Tensor(total / count).recording("mean", inputs: [self]) { gradOutput, _ in
            [Tensor(repeating: gradOutput.scalar / count, shape: inputShape)]
        }
    }
}
