import Testing
import Tensors
import TestSupport
import Training

/// Adam, SGD and the lr policies against PyTorch (fixtures from scripts/make_optimizer_fixtures.py).
@Suite struct OptimizerTests {
    let fixture: SafeTensors.Contents
    init() throws { fixture = try Fixtures.safetensors("torch/optim.safetensors") }

    func trajectory(_ make: ([(name: String, parameter: Parameter)]) -> any Optimizer) throws -> Tensor {
        let parameter = Parameter(try fixture.require("p0"))
        let optimizer = make([("p", parameter)])
        let grads = try fixture.require("grads")
        for row in 0..<grads.shape[0] {
            parameter.gradient = grads.sliced(alongAxis: 0, row ..< row + 1).reshaped(to: parameter.shape).detached()
            optimizer.step()
            #expect(parameter.gradient == nil)
        }
        return parameter.value
    }

    @Test func adamMatchesPyTorch() throws {
        let result = try trajectory { Adam(parameters: $0, learningRate: 2e-2, beta1: 0.5, beta2: 0.999) }
        #expect(result.maxAbsoluteDifference(try fixture.require("adam")) < 2e-6)
        let decayed = try trajectory { Adam(parameters: $0, learningRate: 1e-2, beta1: 0.9, beta2: 0.99, weightDecay: 0.1) }
        #expect(decayed.maxAbsoluteDifference(try fixture.require("adam_wd")) < 2e-6)
    }

    @Test func sgdMatchesPyTorch() throws {
        let result = try trajectory { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }
        #expect(result.maxAbsoluteDifference(try fixture.require("sgd")) < 2e-6)
    }

    @Test func adamStateRoundTrips() throws {
        let a = Parameter(try fixture.require("p0")), b = Parameter(try fixture.require("p0"))
        let first = Adam(parameters: [("p", a)], learningRate: 1e-2)
        let grads = try fixture.require("grads")
        let g = grads.sliced(alongAxis: 0, 0..<1).reshaped(to: a.shape).detached()
        a.gradient = g
        first.step()
        let second = Adam(parameters: [("p", b)], learningRate: 1e-2)
        b.value = a.value.copied()
        try second.loadState(tensors: Dictionary(uniqueKeysWithValues: first.stateTensors().map { ($0.name, $0.tensor) }),
                             scalars: first.stateScalars)
        a.gradient = g
        b.gradient = g
        first.step()
        second.step()
        #expect(a.value.scalars == b.value.scalars)
        #expect(throws: OptimizerStateError.self) { try second.loadState(tensors: [:], scalars: [:]) }
    }

    @Test(arguments: LearningRatePolicy.allCases)
    func learningRatePolicyMatchesPyTorch(policy: LearningRatePolicy) throws {
        let expected = try fixture.require("lr.\(policy.rawValue)").scalars
        let metrics = try fixture.require("plateau_metrics").scalars
        var schedule = LearningRateSchedule(policy: policy, baseLearningRate: 2e-4, nEpochs: 5, nEpochsDecay: 5,
                                            epochCount: 1, decayEpochs: 3)
        for epoch in 0..<expected.count {
            #expect(Swift.abs(schedule.learningRate - expected[epoch]) < 1e-9, "epoch \(epoch)")
            schedule.step(metric: Double(metrics[epoch]))
        }
    }
}
