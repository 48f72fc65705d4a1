import Foundation
import Inference
import Layers
import Networks
import Tensors
import TestSupport
import Testing

/// The BasicSR/Real-ESRGAN kinds through `GeneratorRunner`: outputs are `spec.scale` times the
/// input (any size: RRDBNet ×2 pads odd sizes to its pixel-unshuffle multiple and crops back), and
/// tiles give the whole-image result away from the tile seams' padding.
@Suite struct SuperResolutionRunnerTests {
    /// A small network of `kind` with seeded random weights.
    static func network(_ spec: NetworkSpec) -> any Layer {
        let network = spec.makeNetwork()
        var seed: UInt64 = 1
        for (_, parameter) in network.namedParameters where parameter.isTrainable {
            seed += 1
            parameter.value = Compare.randomTensor(parameter.shape, seed: seed).scaled(by: 0.1)
        }
        return network
    }

    static func specs() -> [NetworkSpec] {
        var rrdb = NetworkSpec.generator(.rrdbnet, baseFilters: 4)
        (rrdb.blocks, rrdb.growthChannels, rrdb.scale) = (1, 4, 2)
        var vgg = NetworkSpec.generator(.srvggnetCompact, baseFilters: 4)
        (vgg.convs, vgg.scale) = (2, 4)
        var msr = NetworkSpec.generator(.msrresnet, baseFilters: 4)
        (msr.blocks, msr.scale) = (1, 3)
        return [rrdb, vgg, msr]
    }

    @Test(arguments: specs()) func outputIsScaleTimesTheInput(_ spec: NetworkSpec) {
        let network = Self.network(spec)
        let image = Compare.randomTensor([1, 3, 13, 11], seed: 7).scaled(by: 0.5).adding(0.5)
        let whole = GeneratorRunner(spec: spec, network: network, tileSize: 0).run([image])[0]
        #expect(whole.shape == [1, 3, 13 * spec.scale, 11 * spec.scale])
        // Same-size inputs (no padding needed) give the network's own output.
        if spec.inputSizeMultiple == 1 {
            let direct = network(image, phase: .inference)
            #expect(whole.maxAbsoluteDifference(direct) < 1e-4)
        }
    }
}
