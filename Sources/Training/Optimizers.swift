import Kernels
import Tensors

/// Updates a fixed list of named parameters from their accumulated gradients.
public protocol Optimizer: AnyObject {
    /// The parameters, with the dotted names used in checkpoints ("G_A.model.1.weight").
    var parameters: [(name: String, parameter: Parameter)] { get }
    /// The learning rate of the next step (set by the schedule).
    var learningRate: Float { get set }
    /// Called with `parameters` at the start of every `step()`, before any update: data-parallel
    /// runs average the gradients over the ranks here (`DataParallel.attach`). Nil: nothing.
    var beforeStep: (([(name: String, parameter: Parameter)]) -> Void)? { get set }
    /// Applies one update to every trainable parameter that has a gradient, then clears the gradients.
    func step()
    /// Optimizer state for checkpoints: named tensors plus scalar fields.
    func stateTensors() -> [(name: String, tensor: Tensor)]
    var stateScalars: [String: Double] { get }
    /// Restores what `stateTensors`/`stateScalars` returned; throws when names or shapes differ.
    func loadState(tensors: [String: Tensor], scalars: [String: Double]) throws
}

extension Optimizer {
    /// Clears every gradient without updating.
    public func zeroGradients() {
        for (_, parameter) in parameters { parameter.gradient = nil }
    }
}

/// A state mismatch when resuming an optimizer from a checkpoint.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Adam (Kingma & Ba), as `torch.optim.Adam`: bias-corrected moments, L2 weight decay added to the
/// gradient. The reference GANs use lr 2e-4, β1 0.5, β2 0.999.
public final class Adam: Optimizer {
    public let parameters: [(name: String, parameter: Parameter)]
    public var learningRate: Float
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    /// Steps taken so far (t in the bias corrections).
    public private(set) var stepCount = 0
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]

    public init(
        parameters: [(name: String, parameter: Parameter)], learningRate: Float = 2e-4,
        beta1: Float = 0.5, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0
    ) {
        let trainable = parameters.filter { $0.parameter.isTrainable }
        self.parameters = trainable
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        firstMoments = trainable.map { Tensor(zeros: $0.parameter.shape) }
        secondMoments = trainable.map { Tensor(zeros: $0.parameter.shape) }
    }

    public var beforeStep: (([(name: String, parameter: Parameter)]) -> Void)?

    public func step() {
        beforeStep?(parameters)
        stepCount += 1
        let t = Float(stepCount)
        let stepSize = learningRate / (1 - Foundation.pow(beta1, t))
        let correction2 = (1 - Foundation.pow(beta2, t)).squareRoot()
        for (index, entry) in parameters.enumerated() {
            guard let gradient = entry.parameter.gradient else { continue }
            let m = firstMoments[index].storage.pointer, v = secondMoments[index].storage.pointer
            let g = UnsafePointer(gradient.storage.pointer)
            entry.parameter.updateInPlace { p in
                let base = p.baseAddress!
                Parallel.forEachChunk(count: p.count, minimumChunk: 1 << 16) { r in
                    OptimizerKernels.adam(base + r.lowerBound, g + r.lowerBound, m + r.lowerBound, v + r.lowerBound,
                                          r.count, stepSize: stepSize, beta1: beta1, beta2: beta2, epsilon: epsilon,
                                          correction2: correction2, weightDecay: weightDecay)
                }
            }
            entry.parameter.gradient = nil
        }
    }

    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        parameters.indices.flatMap { i in
            [("\(parameters[i].name).exp_avg", firstMoments[i]), ("\(parameters[i].name).exp_avg_sq", secondMoments[i])]
        }
    }

    public var stateScalars: [String: Double] { ["step": Double(stepCount), "lr": Double(learningRate)] }

    public func loadState(tensors: [String: Tensor], scalars: [String: Double]) throws {
        var first: [Tensor] = [], second: [Tensor] = []
        for (name, parameter) in parameters {
            guard let m = tensors["\(name).exp_avg"], let v = tensors["\(name).exp_avg_sq"] else {
                throw OptimizerStateError(message: "optimizer state lacks the moments of \(name)")
            }
            guard m.shape == parameter.shape, v.shape == parameter.shape else {
                throw OptimizerStateError(message: "optimizer moments of \(name) have shape \(m.shape), parameter has \(parameter.shape)")
            }
            first.append(m.copied())
            second.append(v.copied())
        }
        firstMoments = first
        secondMoments = second
        stepCount = Int(scalars["step"] ?? 0)
        if let lr = scalars["lr"] { learningRate = Float(lr) }
    }
}

/// Stochastic gradient descent with momentum, as `torch.optim.SGD` (dampening 0, not Nesterov).
public final class SGD: Optimizer {
    public let parameters: [(name: String, parameter: Parameter)]
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float
    private var buffers: [Tensor]
    private var started: [Bool]

    public init(parameters: [(name: String, parameter: Parameter)], learningRate: Float, momentum: Float = 0.9,
                weightDecay: Float = 0) {
        let trainable = parameters.filter { $0.parameter.isTrainable }
        self.parameters = trainable
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = trainable.map { Tensor(zeros: $0.parameter.shape) }
        started = Array(repeating: false, count: trainable.count)
    }

    public var beforeStep: (([(name: String, parameter: Parameter)]) -> Void)?

    public func step() {
        beforeStep?(parameters)
        for (index, entry) in parameters.enumerated() {
            guard let gradient = entry.parameter.gradient else { continue }
            let b = buffers[index].storage.pointer, g = UnsafePointer(gradient.storage.pointer)
            let first = !started[index]
            entry.parameter.updateInPlace { p in
                OptimizerKernels.sgd(p.baseAddress!, g, b, p.count, learningRate: learningRate, momentum: momentum,
                                     weightDecay: weightDecay, firstStep: first)
            }
            started[index] = true
            entry.parameter.gradient = nil
        }
    }

    public func stateTensors() -> [(name: String, tensor: Tensor)] {
        parameters.indices.map { ("\(parameters[$0].name).momentum_buffer", buffers[$0]) }
    }

    public var stateScalars: [String: Double] {
        var result = ["lr": Double(learningRate)]
        for (i, s) in started.enumerated() where s { result["started.\(i)"] = 1 }
        return result
    }

    public func loadState(tensors: [String: Tensor], scalars: [String: Double]) throws {
        var restored: [Tensor] = []
        for (name, parameter) in parameters {
            guard let b = tensors["\(name).momentum_buffer"], b.shape == parameter.shape else {
                throw OptimizerStateError(message: "optimizer state lacks a momentum buffer of shape \(parameter.shape) for \(name)")
            }
            restored.append(b.copied())
        }
        buffers = restored
        started = parameters.indices.map { scalars["started.\($0)"] == 1 }
        if let lr = scalars["lr"] { learningRate = Float(lr) }
    }
}

import Foundation
