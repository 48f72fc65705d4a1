import Testing
import Tensors
import TestSupport

/// Batch norm and instance norm against PyTorch (fixtures from scripts/make_norm_fixtures.py).
@Suite struct NormalizationTorchParityTests {
    let fixture: SafeTensors.Contents

    init() throws { fixture = try Fixtures.safetensors("torch/norm.safetensors") }

    @Test func batchNormTrainingMatchesPyTorch() throws {
        let weight = Parameter(try fixture.require("bn.weight")), bias = Parameter(try fixture.require("bn.bias"))
        let mean = Parameter(try fixture.require("bn.running_mean.before"), trainable: false)
        let variance = Parameter(try fixture.require("bn.running_var.before"), trainable: false)
        let x = Parameter(try fixture.require("bn.x"))
        let y = x.tracked.batchNormalized(scale: weight.tracked, offset: bias.tracked, runningMean: mean,
                                          runningVariance: variance, training: true)
        y.backward(gradient: try fixture.require("bn.dy"))
        #expect(y.maxAbsoluteDifference(try fixture.require("bn.train.y")) < 1e-4)
        #expect(x.gradient!.maxAbsoluteDifference(try fixture.require("bn.train.dx")) < 1e-4)
        #expect(weight.gradient!.maxAbsoluteDifference(try fixture.require("bn.train.dweight")) < 1e-4)
        #expect(bias.gradient!.maxAbsoluteDifference(try fixture.require("bn.train.dbias")) < 1e-4)
        #expect(mean.value.maxAbsoluteDifference(try fixture.require("bn.running_mean.after")) < 1e-5)
        #expect(variance.value.maxAbsoluteDifference(try fixture.require("bn.running_var.after")) < 1e-5)
    }

    @Test func batchNormEvalMatchesPyTorch() throws {
        let weight = Parameter(try fixture.require("bn.weight")), bias = Parameter(try fixture.require("bn.bias"))
        let mean = Parameter(try fixture.require("bn.running_mean.after"), trainable: false)
        let variance = Parameter(try fixture.require("bn.running_var.after"), trainable: false)
        let x = Parameter(try fixture.require("bn.x"))
        let y = x.tracked.batchNormalized(scale: weight.tracked, offset: bias.tracked, runningMean: mean,
                                          runningVariance: variance, training: false)
        y.backward(gradient: try fixture.require("bn.dy"))
        #expect(y.maxAbsoluteDifference(try fixture.require("bn.eval.y")) < 1e-4)
        #expect(x.gradient!.maxAbsoluteDifference(try fixture.require("bn.eval.dx")) < 1e-4)
        #expect(weight.gradient!.maxAbsoluteDifference(try fixture.require("bn.eval.dweight")) < 1e-4)
    }

    @Test func instanceNormMatchesPyTorch() throws {
        let weight = Parameter(try fixture.require("in.weight")), bias = Parameter(try fixture.require("in.bias"))
        let x = Parameter(try fixture.require("in.x"))
        let y = x.tracked.instanceNormalized(scale: weight.tracked, offset: bias.tracked)
        y.backward(gradient: try fixture.require("in.dy"))
        #expect(y.maxAbsoluteDifference(try fixture.require("in.affine.y")) < 1e-4)
        #expect(x.gradient!.maxAbsoluteDifference(try fixture.require("in.affine.dx")) < 1e-4)
        #expect(weight.gradient!.maxAbsoluteDifference(try fixture.require("in.affine.dweight")) < 1e-4)
        #expect(bias.gradient!.maxAbsoluteDifference(try fixture.require("in.affine.dbias")) < 1e-4)

        let plainInput = Parameter(try fixture.require("in.x"))
        let plain = plainInput.tracked.instanceNormalized(scale: nil, offset: nil)
        plain.backward(gradient: try fixture.require("in.dy"))
        #expect(plain.maxAbsoluteDifference(try fixture.require("in.plain.y")) < 1e-4)
        #expect(plainInput.gradient!.maxAbsoluteDifference(try fixture.require("in.plain.dx")) < 1e-4)
    }
}

@Suite struct SafeTensorsTests {
    @Test func roundTripKeepsOrderValuesAndMetadata() throws {
        let a = Compare.randomTensor([2, 3], seed: 1), b = Compare.randomTensor([5], seed: 2)
        let data = try SafeTensors.encode(.init(tensors: [("z.weight", a), ("a.bias", b)], metadata: ["kind": "unet_256"]))
        let decoded = try SafeTensors.decode(data)
        #expect(decoded.tensors.map(\.name) == ["z.weight", "a.bias"])
        #expect(decoded["z.weight"]!.scalars == a.scalars)
        #expect(decoded["a.bias"]!.shape == [5])
        #expect(decoded.metadata["kind"] == "unet_256")
    }

    @Test func damagedFilesThrowClearErrors() throws {
        let data = try SafeTensors.encode(.init(tensors: [("w", Compare.randomTensor([4, 4], seed: 3))]))
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(data.prefix(5)) }
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(data.prefix(data.count - 4)) }
        var badLength = data
        badLength[0] = 0xFF
        badLength[3] = 0x7F
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(badLength) }
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decode(Data("not a file at all".utf8)) }
    }

    @Test func readsFileWrittenByPythonSafetensors() throws {
        // norm.safetensors was written by Python's safetensors package.
        let fixture = try Fixtures.safetensors("torch/norm.safetensors")
        #expect(fixture.metadata["made_by"] == "scripts/make_norm_fixtures.py")
        #expect(try fixture.require("bn.x").shape == [3, 4, 5, 6])
    }
}

import Foundation
