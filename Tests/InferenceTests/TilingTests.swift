import Inference
import Testing
import Tensors
import TestSupport

@Suite struct TilingTests {
    @Test(arguments: [(1, 1), (3, 7), (17, 5), (64, 64), (65, 33)])
    func padToMultipleKeepsContentAndReachesTheMultiple(height: Int, width: Int) {
        let image = Compare.randomTensor([1, 3, height, width], seed: UInt64(height * 100 + width))
        let padded = Tiling.padToMultiple(image, multiple: 16)
        #expect(padded.shape[2] % 16 == 0 && padded.shape[3] % 16 == 0)
        #expect(padded.shape[2] >= height && padded.shape[3] >= width)
        let back = Tiling.crop(padded, top: 0, left: 0, height: height, width: width)
        #expect(back.scalars == image.scalars)
    }

    @Test func reflectionMirrorsTheEdge() {
        let image = Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3])
        let padded = Tiling.padReflecting(Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6]), bottom: 0, right: 2)
        #expect(padded.scalars == [1, 2, 3, 2, 1, 4, 5, 6, 5, 4])
        // One-pixel-high images replicate.
        #expect(Tiling.padReflecting(image, bottom: 1, right: 0).scalars == [1, 2, 3, 1, 2, 3])
    }

    /// With a pixelwise network (×2 nearest upscaling), tiled and whole-image results are identical:
    /// blending weights sum to one everywhere, so no seam.
    @Test(arguments: [0, 8, 16])
    func tiledEqualsWholeForPixelwiseNetworks(overlap: Int) {
        let image = Compare.randomTensor([1, 3, 37, 53], seed: 9)
        // Nearest ×2: four copies of each channel, pixel-shuffled into 2×2 blocks.
        let network: (Tensor) -> Tensor = { x in
            let c = x.shape[1]
            let copies = Tensor.concatenate((0..<c).flatMap { ch in Array(repeating: x.sliced(alongAxis: 1, ch ..< ch + 1), count: 4) },
                                            alongAxis: 1)
            return copies.tanh().pixelShuffled(upscaleFactor: 2)
        }
        let whole = Tiling.run(image, multiple: 4, scale: 2, tileSize: 0, network)
        let tiled = Tiling.run(image, multiple: 4, scale: 2, tileSize: 16, overlap: overlap, network)
        #expect(whole.shape == [1, 3, 74, 106])
        #expect(tiled.shape == whole.shape)
        let error = tiled.maxAbsoluteDifference(whole)
        #expect(error < 1e-5, "overlap \(overlap): error \(error)")
    }

    @Test func tiledIdentityIsExact() {
        let image = Compare.randomTensor([1, 2, 50, 70], seed: 3)
        let tiled = Tiling.run(image, multiple: 8, tileSize: 24, overlap: 6) { $0 }
        #expect(tiled.maxAbsoluteDifference(image) < 1e-6)
    }

    @Test func tileStartsCoverTheImage() {
        #expect(Tiling.starts(length: 100, tile: 40, overlap: 10) == [0, 30, 60])
        #expect(Tiling.starts(length: 40, tile: 40, overlap: 10) == [0])
        #expect(Tiling.starts(length: 41, tile: 40, overlap: 10) == [0, 1])
    }
}
