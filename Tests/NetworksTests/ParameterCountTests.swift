import Layers
import Networks
import Testing

/// Parameter counts and state-dict keys equal to the PyTorch reference (REFERENCE.md c2; VGG19 from
/// torchvision). The counts were printed by PyTorch for the same configurations
/// (`scripts/make_network_fixtures.py --counts`).
@Suite(.serialized) struct ParameterCountTests {
    @Test func resnet9InstanceMatchesReference() {
        let network = NetworkSpec.generator(.resnet9, norm: .instance, dropout: false).makeNetwork()
        #expect(network.parameterCount == 11_378_179)
        #expect(network.namedParameters.count == 48)
    }

    @Test func resnet6InstanceMatchesReference() {
        let network = NetworkSpec.generator(.resnet6, norm: .instance).makeNetwork()
        #expect(network.parameterCount == 7_837_699)
        let names = network.namedParameters.map(\.name)
        #expect(names.count == 36)
        #expect(names.suffix(4) == ["model.19.weight", "model.19.bias", "model.23.weight", "model.23.bias"])
    }

    @Test func unet256BatchMatchesReference() {
        let network = NetworkSpec.generator(.unet256, norm: .batch, dropout: true).makeNetwork()
        #expect(network.parameterCount == 54_413_955)
        #expect(network.namedParameters.count == 82)
    }

    @Test func unet128BatchMatchesReference() {
        let network = NetworkSpec.generator(.unet128, norm: .batch).makeNetwork()
        #expect(network.parameterCount == 41_828_995)
        #expect(network.namedParameters.count == 70)
    }

    @Test func unet256ColorizationMatchesReference() {
        let network = NetworkSpec.generator(.unet256, inputChannels: 1, outputChannels: 2, norm: .batch).makeNetwork()
        #expect(network.parameterCount == 54_409_858)
    }

    @Test func basicPatchGANInstanceMatchesReference() {
        let network = NetworkSpec.discriminator(.basic, inputChannels: 3, norm: .instance).makeNetwork()
        #expect(network.parameterCount == 2_764_737)
        #expect(network.namedParameters.map(\.name) == [
            "model.0.weight", "model.0.bias", "model.2.weight", "model.2.bias", "model.5.weight", "model.5.bias",
            "model.8.weight", "model.8.bias", "model.11.weight", "model.11.bias",
        ])
    }

    @Test func pix2pixDiscriminatorMatchesReference() {
        let network = NetworkSpec.discriminator(.basic, inputChannels: 6, norm: .batch).makeNetwork()
        #expect(network.parameterCount == 2_768_705)
        #expect(network.namedParameters.count == 22)
    }

    @Test func colorizationDiscriminatorMatchesReference() {
        #expect(NetworkSpec.discriminator(.basic, inputChannels: 3, norm: .batch).parameterCount == 2_765_633)
    }

    @Test func vgg19FeaturesMatchTorchvision() {
        let network = NetworkSpec.features(.vgg19).makeNetwork()
        #expect(network.parameterCount == 20_024_384)
        let names = network.namedParameters.map(\.name)
        #expect(names.count == 32)
        #expect(names.first == "features.0.weight")
        #expect(names.last == "features.34.bias")
    }

    @Test func srganDiscriminatorMatchesPaper() {
        // Ledig et al.: ≈ 23.6 M parameters for 96×96 inputs, 18.9 M of them in the first dense layer.
        let network = NetworkSpec.discriminator(.srgan).makeNetwork()
        #expect(network.parameterCount == 23_565_505)
    }

    @Test func srresnetMatchesPaper() {
        // ≈ 1.55 M (REFERENCE.md c5) with per-channel PReLU slopes.
        let network = NetworkSpec.generator(.srresnet).makeNetwork()
        #expect(network.parameterCount == 1_549_443 + 64 * 16 + 64 + 64 * 2)
    }
}
