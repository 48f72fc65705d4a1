import Foundation
import Layers
import Networks
import Tensors
import Testing

/// Outputs equal to PyTorch's for the same weights and input (to 1e-4), with the weights imported
/// from `.pth` files saved by PyTorch and the configuration read off the tensors, as
/// `translate convert --netG KIND` does. Fixtures: scripts/make_network_fixtures.py.
@Suite struct ParityTests {
    static let names = [
        "resnet9_instance", "resnet6_batch_dropout", "unet128_batch", "unet6_instance", "patchgan_basic_batch",
        "patchgan_nlayers4_instance", "pixel_none", "patchgan_legacy_instance", "srresnet_x4", "srgan_d", "vgg19_w4",
    ]

    @Test(arguments: names) func inferenceMatchesPyTorch(_ name: String) throws {
        let fixture = try #require(try TorchFixtures.cases()[name])
        let (spec, network, _) = try StateDictImport.importNetwork(contentsOf: TorchFixtures.url(fixture.pth),
                                                                   kind: fixture.spec.kind, key: fixture.key)
        // The configuration read off the tensors is the one PyTorch built.
        #expect(spec == fixture.spec)
        let expected = try SafeTensors.read(contentsOf: TorchFixtures.url(name + ".expected.safetensors"))
        let reference = try #require(expected["output"])
        let output = network(TorchFixtures.input(fixture.inputShape), phase: .inference)
        try #require(output.shape == reference.shape)
        let error = output.maxAbsoluteDifference(reference)
        print("parity \(name) inference: max |Δ| = \(error)")
        #expect(error < 1e-4)
    }

    /// pix2pix without `--eval`: batch statistics at test time, running statistics updated as
    /// PyTorch does (momentum 0.1, unbiased variance). Dropout is off on both sides (its masks differ).
    @Test func unetTrainingPhaseMatchesPyTorch() throws {
        let fixture = try #require(try TorchFixtures.cases()["unet128_batch"])
        let (_, network, _) = try StateDictImport.importNetwork(contentsOf: TorchFixtures.url(fixture.pth),
                                                                kind: fixture.spec.kind) { $0.dropout = false }
        let expected = try SafeTensors.read(contentsOf: TorchFixtures.url("unet128_batch.expected.safetensors"))
        let output = network(TorchFixtures.input(fixture.inputShape), phase: .training)
        let reference = try #require(expected["output_training"])
        let error = output.maxAbsoluteDifference(reference)
        print("parity unet128_batch training: max |Δ| = \(error)")
        #expect(error < 1e-4)

        var checked = 0
        var statisticsError: Float = 0
        for (name, parameter) in network.namedParameters where name.hasSuffix("running_mean") || name.hasSuffix("running_var") {
            let after = try #require(expected["after_training." + name])
            statisticsError = max(statisticsError, parameter.value.maxAbsoluteDifference(after))
            checked += 1
        }
        print("parity unet128_batch running statistics: max |Δ| = \(statisticsError)")
        #expect(checked == 22)
        #expect(statisticsError < 1e-5)
    }

    /// Backward parity: the gradients of Σ cos(0.11·i)·y[i] with respect to the input and every
    /// parameter equal PyTorch autograd's (batch statistics in training phase), relative to each
    /// tensor's largest gradient. Biases of convolutions followed by a mean-subtracting norm have a
    /// gradient of exactly zero in exact arithmetic; there both sides must be rounding noise
    /// (below 1e-5 of the network's largest gradient).
    @Test(arguments: ["resnet9_instance", "unet128_batch", "srresnet_x4", "srgan_d"])
    func gradientsMatchPyTorch(_ name: String) throws {
        let fixture = try #require(try TorchFixtures.cases()[name])
        let phase: Phase = try #require(fixture.gradients) == "training" ? .training : .inference
        let (_, network, _) = try StateDictImport.importNetwork(contentsOf: TorchFixtures.url(fixture.pth),
                                                                kind: fixture.spec.kind, key: fixture.key) { $0.dropout = false }
        let expected = try SafeTensors.read(contentsOf: TorchFixtures.url(name + ".expected.safetensors"))
        let input = Parameter(TorchFixtures.input(fixture.inputShape))
        let output = network(input.tracked, phase: phase)
        output.multiplying(TorchFixtures.lossWeights(output.shape)).sum().backward()

        var pairs: [(name: String, ours: Tensor?, reference: Tensor)] = [("input", input.gradient, try #require(expected["grad_input"]))]
        for (key, parameter) in network.namedParameters where parameter.isTrainable {
            pairs.append((key, parameter.gradient, try #require(expected["grad." + key], "no grad.\(key)")))
        }
        #expect(pairs.count - 1 == expected.tensors.filter { $0.name.hasPrefix("grad.") }.count)
        let largest = pairs.map { $0.reference.scalars.map(abs).max() ?? 0 }.max() ?? 0
        var worst: Float = 0, zeros = 0
        for (key, ours, reference) in pairs {
            let gradient = try #require(ours, "\(key) got no gradient")
            let scale = reference.scalars.map(abs).max() ?? 0
            if scale < 1e-5 * largest {
                zeros += 1
                #expect((gradient.scalars.map(abs).max() ?? 0) < 1e-5 * largest, "\(key) should be ≈ 0")
                continue
            }
            let error = gradient.maxAbsoluteDifference(reference) / scale
            #expect(error < 1e-4, "\(key): relative error \(error)")
            worst = max(worst, error)
        }
        print("parity \(name) gradients (input + \(pairs.count - 1) parameters, \(zeros) exactly-zero biases): max relative |Δ| = \(worst)")
    }
}
