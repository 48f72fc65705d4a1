import Foundation
import Kernels

// MARK: - Helpers that run a kernel over every element, split across the workers

extension Tensor {
    /// Elements per chunk below which an op stays on one thread (dispatch costs ~1 µs).
    package static let parallelGrain = 1 << 15

    /// A new tensor of `x`'s shape written by `body(xChunk, outChunk, count)` over chunks.
    @inline(__always)
    package static func elementwise(
        _ x: Tensor, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let output = Tensor.uninitialized(x.shape)
        let xp = UnsafePointer(x.storage.pointer), op = output.storage.pointer
        Parallel.forEachChunk(count: x.scalarCount, minimumChunk: parallelGrain) { r in
            body(xp + r.lowerBound, op + r.lowerBound, r.count)
        }
        return output
    }

    /// A new tensor written by `body(xChunk, yChunk, outChunk, count)`; shapes must match.
    @inline(__always)
    package static func elementwise(
        _ x: Tensor, _ y: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        precondition(x.shape == y.shape, "elementwise: shapes \(x.shape) and \(y.shape) differ")
        let output = Tensor.uninitialized(x.shape)
        let xp = UnsafePointer(x.storage.pointer), yp = UnsafePointer(y.storage.pointer)
        let op = output.storage.pointer
        Parallel.forEachChunk(count: x.scalarCount, minimumChunk: parallelGrain) { r in
            body(xp + r.lowerBound, yp + r.lowerBound, op + r.lowerBound, r.count)
        }
        return output
    }

    /// A new tensor written by `body(x, y, z, out, count)` over chunks; shapes must match.
    @inline(__always)
    package static func elementwise(
        _ x: Tensor, _ y: Tensor, _ z: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int)
            -> Void
    ) -> Tensor {
        precondition(x.shape == y.shape && y.shape == z.shape, "elementwise: shapes \(x.shape), \(y.shape), \(z.shape)")
        let output = Tensor.uninitialized(x.shape)
        let xp = UnsafePointer(x.storage.pointer), yp = UnsafePointer(y.storage.pointer)
        let zp = UnsafePointer(z.storage.pointer), op = output.storage.pointer
        Parallel.forEachChunk(count: x.scalarCount, minimumChunk: parallelGrain) { r in
            body(xp + r.lowerBound, yp + r.lowerBound, zp + r.lowerBound, op + r.lowerBound, r.count)
        }
        return output
    }
}

// MARK: - Arithmetic

extension Tensor {
    /// `self + other`, elementwise; shapes must match.
    public func adding(_ other: Tensor) -> Tensor {
        let output = Tensor.elementwise(self, other) { x, y, o, n in
            ElementwiseKernels.zip(x, y, o, n, { $0 + $1 }, { $0 + $1 })
        }
        return output.recording("add", inputs: [self, other]) { gradOutput, _ in [gradOutput, gradOutput] }
    }

    /// `self - other`, elementwise; shapes must match.
    public func subtracting(_ other: Tensor) -> Tensor {
        let output = Tensor.elementwise(self, other) { x, y, o, n in
            ElementwiseKernels.zip(x, y, o, n, { $0 - $1 }, { $0 - $1 })
        }
        return output.recording("subtract", inputs: [self, other]) { gradOutput, needs in
            [gradOutput, needs[1] ? gradOutput.scaled(by: -1) : nil]
        }
    }

    /// `self * other`, elementwise; shapes must match.
    public func multiplying(_ other: Tensor) -> Tensor {
        let a = detached(), b = other.detached()
        let output = Tensor.elementwise(a, b) { x, y, o, n in
            ElementwiseKernels.zip(x, y, o, n, { $0 * $1 }, { $0 * $1 })
        }
        return output.recording("multiply", inputs: [self, other]) { gradOutput, needs in
            [needs[0] ? gradOutput.multiplying(b) : nil, needs[1] ? gradOutput.multiplying(a) : nil]
        }
    }

    /// `self · factor`.
    public func scaled(by factor: Float) -> Tensor {
        let output = Tensor.elementwise(self) { x, o, n in
            ElementwiseKernels.scaleShift(x, o, n, scale: factor, shift: 0)
        }
        return output.recording("scale", inputs: [self]) { gradOutput, _ in [gradOutput.scaled(by: factor)] }
    }

    /// `self + value` for every element.
    public func adding(_ value: Float) -> Tensor {
        let output = Tensor.elementwise(self) { x, o, n in
            ElementwiseKernels.scaleShift(x, o, n, scale: 1, shift: value)
        }
        return output.recording("addScalar", inputs: [self]) { gradOutput, _ in [gradOutput] }
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.adding(rhs) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.subtracting(rhs) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.multiplying(rhs) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.scaled(by: rhs) }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.scaled(by: lhs) }
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.adding(rhs) }
    public static func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.adding(-rhs) }
    public static prefix func - (x: Tensor) -> Tensor { x.scaled(by: -1) }

    /// |x|, elementwise. The gradient at 0 is 0, as in PyTorch.
    public func abs() -> Tensor {
        let input = detached()
        let output = Tensor.elementwise(input) { x, o, n in
            ElementwiseKernels.map(x, o, n, { v in v.replacing(with: -v, where: v .< 0) }, { Swift.abs($0) })
        }
        return output.recording("abs", inputs: [self]) { gradOutput, _ in
            // dx = dy · sign(x)
            [Tensor.elementwise(gradOutput, input) { dy, x, dx, n in
                let zero = SIMD8<Float>(), one = SIMD8<Float>(repeating: 1)
                ElementwiseKernels.zip(dy, x, dx, n, { g, v in
                    let sign = zero.replacing(with: one, where: v .> 0).replacing(with: -one, where: v .< 0)
                    return g * sign
                }, { g, v in v > 0 ? g : (v < 0 ? -g : 0) })
            }]
        }
    }

    /// x², elementwise.
    public func squared() -> Tensor {
        let input = detached()
        let output = Tensor.elementwise(input) { x, o, n in
            ElementwiseKernels.map(x, o, n, { $0 * $0 }, { $0 * $0 })
        }
        return output.recording("square", inputs: [self]) { gradOutput, _ in
            [Tensor.elementwise(gradOutput, input) { dy, x, dx, n in
                ElementwiseKernels.zip(dy, x, dx, n, { 2 * $0 * $1 }, { 2 * $0 * $1 })
            }]
        }
    }
}

// MARK: - Activations

extension Tensor {
    /// max(x, 0), elementwise.
    public func relu() -> Tensor { leakyReLU(slope: 0) }

    /// `x` where `x > 0`, else `slope · x`, elementwise.
    public func leakyReLU(slope: Float = 0.2) -> Tensor {
        let input = detached()
        let output = Tensor.elementwise(input) { x, o, n in
            ElementwiseKernels.map(x, o, n, { v in v.replacing(with: v * slope, where: v .< 0) },
                                   { v in v < 0 ? v * slope : v })
        }
        return output.recording(slope == 0 ? "relu" : "leakyReLU", inputs: [self]) { gradOutput, _ in
            // dx = dy where x > 0, slope·dy elsewhere; the saved input decides which.
            [Tensor.elementwise(gradOutput, input) { dy, x, dx, n in
                ElementwiseKernels.zip(dy, x, dx, n, { g, v in g.replacing(with: g * slope, where: v .<= 0) },
                                       { g, v in v <= 0 ? g * slope : g })
            }]
        }
    }

    /// tanh(x), elementwise.
    public func tanh() -> Tensor {
        let output = Tensor.elementwise(self) { x, o, n in
            for i in 0..<n { o[i] = Foundation.tanh(x[i]) }
        }
        let saved = output
        return output.recording("tanh", inputs: [self]) { gradOutput, _ in
            // d tanh = 1 - y²
            [Tensor.elementwise(gradOutput, saved) { dy, y, dx, n in
                ElementwiseKernels.zip(dy, y, dx, n, { g, t in g * (1 - t * t) }, { g, t in g * (1 - t * t) })
            }]
        }
    }

    /// 1 / (1 + e^-x), elementwise.
    public func sigmoid() -> Tensor {
        let output = Tensor.elementwise(self) { x, o, n in
            for i in 0..<n { o[i] = Tensor.sigmoid(x[i]) }
        }
        let saved = output
        return output.recording("sigmoid", inputs: [self]) { gradOutput, _ in
            // dσ = σ(1 - σ)
            [Tensor.elementwise(gradOutput, saved) { dy, y, dx, n in
                ElementwiseKernels.zip(dy, y, dx, n, { g, s in g * s * (1 - s) }, { g, s in g * s * (1 - s) })
            }]
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
    }

    /// Natural exponential, elementwise.
    public func exp() -> Tensor {
        let output = Tensor.elementwise(self) { x, o, n in
            for i in 0..<n { o[i] = Foundation.exp(x[i]) }
        }
        let saved = output
        return output.recording("exp", inputs: [self]) { gradOutput, _ in [gradOutput.multiplying(saved)] }
    }

    /// Natural logarithm, elementwise.
    public func log() -> Tensor {
        let input = detached()
        let output = Tensor.elementwise(input) { x, o, n in
            for i in 0..<n { o[i] = Foundation.log(x[i]) }
        }
        return output.recording("log", inputs: [self]) { gradOutput, _ in
            [Tensor.elementwise(gradOutput, input) { dy, x, dx, n in
                ElementwiseKernels.zip(dy, x, dx, n, { $0 / $1 }, { $0 / $1 })
            }]
        }
    }

    /// Clamps every element into `[low, high]`; the gradient passes where the input was inside.
    public func clamped(to range: ClosedRange<Float>) -> Tensor {
        let input = detached()
        let low = range.lowerBound, high = range.upperBound
        let output = Tensor.elementwise(input) { x, o, n in
            let l = SIMD8<Float>(repeating: low), h = SIMD8<Float>(repeating: high)
            ElementwiseKernels.map(x, o, n, { v in v.replacing(with: l, where: v .< l).replacing(with: h, where: v .> h) },
                                   { v in Swift.min(Swift.max(v, low), high) })
        }
        return output.recording("clamp", inputs: [self]) { gradOutput, _ in
            [Tensor.elementwise(gradOutput, input) { dy, x, dx, n in
                for i in 0..<n { dx[i] = (x[i] < low || x[i] > high) ? 0 : dy[i] }
            }]
        }
    }
}
