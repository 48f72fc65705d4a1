import Tensors

/// Running an image-to-image network on an image of any size: pad to the size the network needs,
/// run, crop back; and for images too large for one pass, overlapping tiles blended with linear
/// (feathered) ramps so no seam shows.
public enum Tiling {
    /// Pads the spatial dims of `[N, C, H, W]` at the bottom/right up to multiples of `multiple` by
    /// mirror reflection (repeated when the pad exceeds the image, edge replication for 1-pixel dims).
    /// Reflection keeps the borders free of the dark frame zero padding gives.
    /// - Parameter minimumSize: pad at least to this side (instance norm needs more than one pixel
    ///   per channel at a ResNet's lowest level, so 1×1 images go in as 8×8).
    public static func padToMultiple(_ image: Tensor, multiple: Int, minimumSize: Int = 1) -> Tensor {
        let (_, _, h, w) = image.shape.nchw
        let targetH = roundUp(Swift.max(h, minimumSize), multiple), targetW = roundUp(Swift.max(w, minimumSize), multiple)
        return padReflecting(image, bottom: targetH - h, right: targetW - w)
    }

    /// Pads bottom/right by mirror reflection in as many rounds as needed.
    public static func padReflecting(_ image: Tensor, bottom: Int, right: Int) -> Tensor {
        var result = image
        var remainingBottom = bottom, remainingRight = right
        while remainingBottom > 0 || remainingRight > 0 {
            let (_, _, h, w) = result.shape.nchw
            if h == 1 || w == 1 {
                result = result.padded(top: 0, bottom: remainingBottom, left: 0, right: remainingRight, mode: .replicate)
                break
            }
            let stepBottom = Swift.min(remainingBottom, h - 1), stepRight = Swift.min(remainingRight, w - 1)
            result = result.padded(top: 0, bottom: stepBottom, left: 0, right: stepRight, mode: .reflect)
            remainingBottom -= stepBottom
            remainingRight -= stepRight
        }
        return result
    }

    /// The spatial window `[top, top+height) × [left, left+width)` of `[N, C, H, W]`.
    public static func crop(_ image: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
        let (_, _, h, w) = image.shape.nchw
        if top == 0 && left == 0 && height == h && width == w { return image }
        return image.sliced(alongAxis: 2, top ..< top + height).sliced(alongAxis: 3, left ..< left + width)
    }

    /// Runs `network` on `image` (`[1, C, H, W]`) and returns `[1, C', H·scale, W·scale]`.
    ///
    /// - Parameters:
    ///   - multiple: the network's required input multiple (4 for ResNet generators, 256 for unet_256).
    ///   - scale: output pixels per input pixel (1 for translation, 2 or 4 for super-resolution).
    ///   - tileSize: the largest tile side in input pixels, rounded down to `multiple`; 0 runs the whole image.
    ///   - overlap: input pixels shared by neighbouring tiles, blended linearly.
    ///   - minimumSize: the smallest side the network accepts (see `padToMultiple`).
    ///   - margin: input pixels at each side a tile shares with a neighbour that are context only
    ///     (weight 0; clamped below half the overlap, so every pixel keeps a tile with a positive
    ///     weight: consecutive tiles share at least `overlap`): the feather runs over the rest of the
    ///     overlap. A tile's output is exact where its receptive field lies inside the tile, so with
    ///     a margin of at least the receptive field's radius the blend of exact values is exact:
    ///     tiled equals untiled. 0 feathers over the whole overlap.
    public static func run(
        _ image: Tensor, multiple: Int, scale: Int = 1, tileSize: Int = 0, overlap: Int = 32, minimumSize: Int = 1,
        margin: Int = 0, _ network: (Tensor) throws -> Tensor
    ) rethrows -> Tensor {
        let (n, _, h, w) = image.shape.nchw
        precondition(n == 1, "Tiling.run takes one image at a time, got a batch of \(n)")
        let tile = tileSize > 0 ? Swift.max(multiple, (tileSize / multiple) * multiple) : 0
        if tile == 0 || (h <= tile && w <= tile) {
            let output = try network(padToMultiple(image, multiple: multiple, minimumSize: minimumSize))
            return crop(output, top: 0, left: 0, height: h * scale, width: w * scale)
        }
        let tileH = Swift.min(tile, h), tileW = Swift.min(tile, w)
        let clampedOverlap = Swift.max(0, Swift.min(overlap, Swift.min(tileH, tileW) / 2))
        let clampedMargin = Swift.max(0, Swift.min(margin, (clampedOverlap - 1) / 2))
        let rows = starts(length: h, tile: tileH, overlap: clampedOverlap)
        let columns = starts(length: w, tile: tileW, overlap: clampedOverlap)

        var accumulator: [Float] = []
        var weights = [Float](repeating: 0, count: h * scale * w * scale)
        var channels = 0
        let outH = h * scale, outW = w * scale
        for (rowIndex, top) in rows.enumerated() {
            for (columnIndex, left) in columns.enumerated() {
                let piece = crop(image, top: top, left: left, height: tileH, width: tileW)
                let result = crop(try network(padToMultiple(piece, multiple: multiple, minimumSize: minimumSize)), top: 0, left: 0,
                                  height: tileH * scale, width: tileW * scale)
                if channels == 0 {
                    channels = result.shape[1]
                    accumulator = [Float](repeating: 0, count: channels * outH * outW)
                }
                // Ramps only on sides that touch a neighbouring tile.
                let rampY = ramp(length: tileH * scale, overlap: clampedOverlap * scale, margin: clampedMargin * scale,
                                 rising: rowIndex > 0, falling: rowIndex < rows.count - 1)
                let rampX = ramp(length: tileW * scale, overlap: clampedOverlap * scale, margin: clampedMargin * scale,
                                 rising: columnIndex > 0, falling: columnIndex < columns.count - 1)
                let values = result.scalars
                let th = tileH * scale, tw = tileW * scale, oy = top * scale, ox = left * scale
                for y in 0..<th {
                    for x in 0..<tw {
                        let weight = rampY[y] * rampX[x]
                        let target = (oy + y) * outW + ox + x
                        weights[target] += weight
                        for c in 0..<channels {
                            accumulator[c * outH * outW + target] += weight * values[(c * th + y) * tw + x]
                        }
                    }
                }
            }
        }
        for c in 0..<channels {
            for i in 0..<(outH * outW) { accumulator[c * outH * outW + i] /= Swift.max(weights[i], 1e-12) }
        }
        return Tensor(shape: [1, channels, outH, outW], scalars: accumulator)
    }

    /// Tile starts covering `0..<length` with tiles of `tile` sharing at least `overlap`; the last
    /// tile is aligned to the end so every tile lies inside the image.
    package static func starts(length: Int, tile: Int, overlap: Int) -> [Int] {
        guard length > tile else { return [0] }
        let stride = Swift.max(1, tile - overlap)
        var result: [Int] = []
        var position = 0
        while position + tile < length {
            result.append(position)
            position += stride
        }
        result.append(length - tile)
        return result
    }

    /// Weights over one tile side: 0 over the first `margin` pixels, then rising linearly over the
    /// next `overlap - 2·margin` when `rising`; the mirror image at the end when `falling`; 1
    /// elsewhere. With `margin` 0 never exactly 0. Two neighbours overlapping by `overlap` have
    /// weights summing to 1 across it.
    package static func ramp(length: Int, overlap: Int, margin: Int = 0, rising: Bool, falling: Bool) -> [Float] {
        let feather = Float(Swift.max(1, overlap - 2 * margin))
        return (0..<length).map { i in
            var weight: Float = 1
            if rising && i < overlap - margin {
                weight = Swift.min(weight, Swift.max(0, (Float(i - margin) + 0.5) / feather))
            }
            if falling && i >= length - overlap + margin {
                weight = Swift.min(weight, Swift.max(0, (Float(length - margin - i) - 0.5) / feather))
            }
            return weight
        }
    }

    static func roundUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
