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
        var bands: [Tensor] = []
        try runBands(height: h, width: w, multiple: multiple, scale: scale, tileSize: tileSize, overlap: overlap,
                     minimumSize: minimumSize, margin: margin,
                     input: { crop(image, top: $0, left: $1, height: $2, width: $3) }, network) { bands.append($0) }
        return bands.count == 1 ? bands[0] : Tensor.concatenate(bands, alongAxis: 2)
    }

    /// `run` for an image given tile by tile, its output handed over a band of rows at a time
    /// (`BandTiler`): `emit` gets consecutive `[1, C', rows, w·scale]` bands covering all
    /// `height·scale` output rows, top to bottom.
    /// - Parameter input: the `[1, C, height, width]` window at (top, left) of the image.
    public static func runBands(
        height h: Int, width w: Int, multiple: Int, scale: Int = 1, tileSize: Int = 0, overlap: Int = 32,
        minimumSize: Int = 1, margin: Int = 0, input: (_ top: Int, _ left: Int, _ height: Int, _ width: Int) throws -> Tensor,
        _ network: (Tensor) throws -> Tensor, emit: (Tensor) throws -> Void
    ) rethrows {
        var tiler = BandTiler(height: h, width: w, multiple: multiple, scale: scale, tileSize: tileSize, overlap: overlap,
                              minimumSize: minimumSize, margin: margin)
        while !tiler.isFinished { try tiler.next(input: input, network, emit: emit) }
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

/// The tiles of `Tiling.run` a row of tiles at a time: each call of `next` runs one row of tiles,
/// blends it into a band of output width × tile height, and returns the rows no later tile
/// touches (`[1, C', rows, width·scale]`), keeping the rows it shares with the next row of tiles.
/// Memory holds one band and one tile whatever the image's height; the values are those of
/// `Tiling.run` bit for bit (each output pixel sums the same tiles in the same order). An image
/// that fits one tile comes out as one band.
public struct BandTiler {
    public let height: Int
    public let width: Int
    public let scale: Int
    let multiple: Int
    let minimumSize: Int
    /// Tile sides in input pixels; 0 for one untiled pass.
    let tileH: Int, tileW: Int
    let overlap: Int, margin: Int
    /// Tile starts in input pixels.
    let rows: [Int], columns: [Int]
    /// The next row of tiles to run.
    private var rowIndex = 0
    /// Output rows emitted so far: the band starts there.
    public private(set) var bandTop = 0
    private var accumulator: [Float] = []
    private var weights: [Float] = []
    private var channels = 0

    /// The tiling `Tiling.run` uses for these arguments.
    public init(height: Int, width: Int, multiple: Int, scale: Int = 1, tileSize: Int = 0, overlap: Int = 32,
                minimumSize: Int = 1, margin: Int = 0) {
        self.height = height
        self.width = width
        self.scale = scale
        self.multiple = multiple
        self.minimumSize = minimumSize
        let tile = tileSize > 0 ? Swift.max(multiple, (tileSize / multiple) * multiple) : 0
        if tile == 0 || (height <= tile && width <= tile) {
            tileH = 0
            tileW = 0
            self.overlap = 0
            self.margin = 0
            rows = [0]
            columns = [0]
            return
        }
        tileH = Swift.min(tile, height)
        tileW = Swift.min(tile, width)
        self.overlap = Swift.max(0, Swift.min(overlap, Swift.min(tileH, tileW) / 2))
        self.margin = Swift.max(0, Swift.min(margin, (self.overlap - 1) / 2))
        rows = Tiling.starts(length: height, tile: tileH, overlap: self.overlap)
        columns = Tiling.starts(length: width, tile: tileW, overlap: self.overlap)
    }

    /// True when every output row has been returned.
    public var isFinished: Bool { rowIndex >= rows.count }

    /// Output rows per band handed to `emit`, so that the floats of a band of finished rows never
    /// take more than a few rows of the output width.
    public static let rowsPerBand = 32

    /// Runs the next row of tiles and hands the output rows it finished to `emit`, top to bottom,
    /// at most `rowsPerBand` at a time (an untiled image in one band).
    /// - Parameter input: the `[1, C, height, width]` window at (top, left) of the image.
    /// - Precondition: not `isFinished`.
    public mutating func next(input: (_ top: Int, _ left: Int, _ height: Int, _ width: Int) throws -> Tensor,
                              _ network: (Tensor) throws -> Tensor, emit: (Tensor) throws -> Void) rethrows {
        precondition(!isFinished, "BandTiler.next after the last band")
        let outH = height * scale, outW = width * scale
        if tileH == 0 {
            rowIndex = 1
            bandTop = outH
            let output = try network(Tiling.padToMultiple(try input(0, 0, height, width), multiple: multiple,
                                                          minimumSize: minimumSize))
            try emit(Tiling.crop(output, top: 0, left: 0, height: outH, width: outW))
            return
        }
        let th = tileH * scale, tw = tileW * scale, plane = th * outW
        // Worked on as locals (moved out, so not copied) and put back at the end.
        var accumulator = self.accumulator, weights = self.weights
        self.accumulator = []
        self.weights = []
        var channels = self.channels
        if weights.isEmpty { weights = [Float](repeating: 0, count: plane) }
        // Tile row r starts at rows[r]·scale, which is bandTop by now (the rows above were returned).
        let rampY = Tiling.ramp(length: th, overlap: overlap * scale, margin: margin * scale, rising: rowIndex > 0,
                                falling: rowIndex < rows.count - 1)
        for (columnIndex, left) in columns.enumerated() {
            let piece = try input(rows[rowIndex], left, tileH, tileW)
            let result = Tiling.crop(try network(Tiling.padToMultiple(piece, multiple: multiple, minimumSize: minimumSize)),
                                     top: 0, left: 0, height: th, width: tw)
            if channels == 0 {
                channels = result.shape[1]
                accumulator = [Float](repeating: 0, count: channels * plane)
            }
            // Ramps only on sides that touch a neighbouring tile.
            let rampX = Tiling.ramp(length: tw, overlap: overlap * scale, margin: margin * scale,
                                    rising: columnIndex > 0, falling: columnIndex < columns.count - 1)
            let ox = left * scale, channelCount = channels
            result.withUnsafeBufferPointer { values in
                accumulator.withUnsafeMutableBufferPointer { sums in
                    weights.withUnsafeMutableBufferPointer { weightSums in
                        for y in 0..<th {
                            for x in 0..<tw {
                                let weight = rampY[y] * rampX[x]
                                let target = y * outW + ox + x
                                weightSums[target] += weight
                                for c in 0..<channelCount {
                                    sums[c * plane + target] += weight * values[(c * th + y) * tw + x]
                                }
                            }
                        }
                    }
                }
            }
        }
        // Rows above the next row of tiles are final.
        rowIndex += 1
        let end = rowIndex < rows.count ? rows[rowIndex] * scale : outH
        let done = end - bandTop, channelCount = channels
        for first in stride(from: 0, to: done, by: Self.rowsPerBand) {
            let count = Swift.min(Self.rowsPerBand, done - first), offset = first * outW
            let band = accumulator.withUnsafeBufferPointer { sums in
                weights.withUnsafeBufferPointer { weightSums in
                    Tensor.build(shape: [1, channelCount, count, outW]) { output in
                        for c in 0..<channelCount {
                            for i in 0..<(count * outW) {
                                output[c * count * outW + i] = sums[c * plane + offset + i]
                                    / Swift.max(weightSums[offset + i], 1e-12)
                            }
                        }
                    }
                }
            }
            try emit(band)
        }
        bandTop = end
        // The rows the next row of tiles shares move to the top of the band.
        let carried = (th - done) * outW, shift = done * outW
        accumulator.withUnsafeMutableBufferPointer { sums in
            for c in 0..<channels {
                let base = sums.baseAddress! + c * plane
                base.update(from: base + shift, count: carried)
                (base + carried).update(repeating: 0, count: plane - carried)
            }
        }
        weights.withUnsafeMutableBufferPointer { weightSums in
            let base = weightSums.baseAddress!
            base.update(from: base + shift, count: carried)
            (base + carried).update(repeating: 0, count: plane - carried)
        }
        if !isFinished {
            self.accumulator = accumulator
            self.weights = weights
        }
        self.channels = channels
    }
}
