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
    /// (`BandTiler`, its blocks joined into full-width rows): `emit` gets consecutive
    /// `[1, C', rows, w·scale]` bands covering all `height·scale` output rows, top to bottom.
    /// - Parameter input: the `[1, C, height, width]` window at (top, left) of the image.
    public static func runBands(
        height h: Int, width w: Int, multiple: Int, scale: Int = 1, tileSize: Int = 0, overlap: Int = 32,
        minimumSize: Int = 1, margin: Int = 0, input: (_ top: Int, _ left: Int, _ height: Int, _ width: Int) throws -> Tensor,
        _ network: (Tensor) throws -> Tensor, emit: (Tensor) throws -> Void
    ) rethrows {
        var tiler = BandTiler(height: h, width: w, multiple: multiple, scale: scale, tileSize: tileSize, overlap: overlap,
                              minimumSize: minimumSize, margin: margin)
        var band: [Float] = []
        while !tiler.isFinished {
            try tiler.next(input: input, network) { block, column in
                let (_, c, rows, columns) = block.shape.nchw
                let outW = w * scale
                if band.isEmpty { band = [Float](repeating: 0, count: c * rows * outW) }
                block.withUnsafeBufferPointer { values in
                    for channel in 0..<c {
                        for y in 0..<rows {
                            for x in 0..<columns {
                                band[(channel * rows + y) * outW + column + x] = values[(channel * rows + y) * columns + x]
                            }
                        }
                    }
                }
                if column + columns == outW {
                    let finished = Tensor(shape: [1, c, rows, outW], scalars: band)
                    band = []
                    try emit(finished)
                }
            }
        }
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

/// The tiles of `Tiling.run` a row of tiles at a time, without a buffer of the output's size.
///
/// Tiles run in `Tiling.run`'s order (rows of tiles top to bottom, each left to right). An output
/// pixel is final once no later tile touches it: after tile (r, c), the rows above the next row of
/// tiles and left of the next tile's start. So `next` runs one row of tiles and hands over the
/// pixels each tile finishes as a block (rows `bandTop ..< bandTop + D`, a range of columns, left to
/// right), keeping partial sums only where they are still needed: a window of one tile's width over
/// the rows this row of tiles finishes, and the full-width rows it shares with the next row of
/// tiles (the overlap). Floats held: (C + 1) × (D × tile width + overlap rows × output width), so
/// memory is bounded by the tile size and the image width. The values are those of
/// `Tiling.run`'s former whole-image blend bit for bit (every output pixel sums the same tiles
/// in the same order, then divides by the same weight sum). An image that fits one tile comes out
/// as one block.
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
    /// Output rows finished so far: the next row of tiles finishes rows from here.
    public private(set) var bandTop = 0
    /// Partial sums (C planes, then the weight plane) of the `carriedRows` output rows from `bandTop`
    /// on that the previous row of tiles shares with the next, across the output width in stripes
    /// of one tile's width (so that a stripe is freed once the window has passed it).
    private var carried: [[Float]] = []
    private var carriedRows = 0
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

    /// True when every output row has been handed over.
    public var isFinished: Bool { rowIndex >= rows.count }

    /// Runs the next row of tiles and hands the output it finishes to `emit` as blocks
    /// `[1, C', D, w]` with the output column of their left edge, left to right; together they cover
    /// the output rows `bandTop ..< bandTop + D` (bandTop before the call) across the whole output
    /// width (`width·scale`). An untiled image comes as one block.
    /// - Parameter input: the `[1, C, height, width]` window at (top, left) of the image.
    /// - Precondition: not `isFinished`.
    public mutating func next(input: (_ top: Int, _ left: Int, _ height: Int, _ width: Int) throws -> Tensor,
                              _ network: (Tensor) throws -> Tensor,
                              emit: (_ block: Tensor, _ column: Int) throws -> Void) rethrows {
        precondition(!isFinished, "BandTiler.next after the last band")
        let outH = height * scale, outW = width * scale
        if tileH == 0 {
            rowIndex = 1
            bandTop = outH
            let output = try network(Tiling.padToMultiple(try input(0, 0, height, width), multiple: multiple,
                                                          minimumSize: minimumSize))
            try emit(Tiling.crop(output, top: 0, left: 0, height: outH, width: outW), 0)
            return
        }
        let th = tileH * scale, tw = tileW * scale
        // Local rows 0 ..< th from bandTop = rows[r]·scale: 0 ..< done are finished by this row of
        // tiles, done ..< th are shared with the next one; 0 ..< carriedIn hold partial sums already.
        let end = rowIndex + 1 < rows.count ? rows[rowIndex + 1] * scale : outH
        let done = end - bandTop, carriedIn = carriedRows, nextRows = th - done
        let rampY = Tiling.ramp(length: th, overlap: overlap * scale, margin: margin * scale, rising: rowIndex > 0,
                                falling: rowIndex < rows.count - 1)
        var previous = carried
        carried = []
        var channels = self.channels
        // Stripe k of the shared rows covers output columns k·tw ..< min((k + 1)·tw, outW).
        let stripeCount = (outW + tw - 1) / tw
        func stripeWidth(_ k: Int) -> Int { Swift.min(tw, outW - k * tw) }
        // The window: local rows 0 ..< done, output columns windowLeft ..< windowLeft + tw; the
        // first `filled` columns hold sums.
        var window: [Float] = [], next: [[Float]] = []
        var filled = 0
        for (columnIndex, left) in columns.enumerated() {
            let piece = try input(rows[rowIndex], left, tileH, tileW)
            let result = Tiling.crop(try network(Tiling.padToMultiple(piece, multiple: multiple, minimumSize: minimumSize)),
                                     top: 0, left: 0, height: th, width: tw)
            if channels == 0 { channels = result.shape[1] }
            let planes = channels + 1
            if window.isEmpty {
                window = [Float](repeating: 0, count: planes * done * tw)
                next = [[Float]](repeating: [], count: stripeCount)
            }
            let ox = left * scale
            // Stripes of the shared rows are made when a tile first reaches them (while those of the
            // previous row of tiles are freed behind the window), from the rows the next row of tiles
            // shares again, or 0.
            for k in (ox / tw)...((ox + tw - 1) / tw) where next[k].isEmpty && nextRows > 0 {
                let sw = stripeWidth(k)
                var stripe = [Float](repeating: 0, count: planes * nextRows * sw)
                for p in 0..<planes where carriedIn > done {
                    for y in done..<carriedIn {
                        for x in 0..<sw {
                            stripe[(p * nextRows + y - done) * sw + x] = previous[k][(p * carriedIn + y) * sw + x]
                        }
                    }
                }
                next[k] = stripe
            }
            // Columns entering the window start from the shared rows' sums, or 0.
            for p in 0..<planes {
                for y in 0..<done {
                    for x in filled..<tw {
                        var value: Float = 0
                        if y < carriedIn {
                            let k = (ox + x) / tw, sw = stripeWidth(k)
                            value = previous[k][(p * carriedIn + y) * sw + ox + x - k * tw]
                        }
                        window[(p * done + y) * tw + x] = value
                    }
                }
            }
            filled = tw
            // Stripes wholly left of the window are read no more.
            for k in 0..<Swift.min(stripeCount, ox / tw) where !previous.isEmpty { previous[k] = [] }
            // Ramps only on sides that touch a neighbouring tile.
            let rampX = Tiling.ramp(length: tw, overlap: overlap * scale, margin: margin * scale,
                                    rising: columnIndex > 0, falling: columnIndex < columns.count - 1)
            let channelCount = channels
            result.withUnsafeBufferPointer { values in
                window.withUnsafeMutableBufferPointer { window in
                    // Finished rows go to the window.
                    for y in 0..<done {
                        for x in 0..<tw {
                            let weight = rampY[y] * rampX[x]
                            window[(channelCount * done + y) * tw + x] += weight
                            for c in 0..<channelCount {
                                window[(c * done + y) * tw + x] += weight * values[(c * th + y) * tw + x]
                            }
                        }
                    }
                }
                // Shared rows go to the stripes they fall in.
                for k in (ox / tw)...((ox + tw - 1) / tw) where nextRows > 0 {
                    let sw = stripeWidth(k), first = Swift.max(ox, k * tw) - ox, last = Swift.min(ox + tw, k * tw + sw) - ox
                    next[k].withUnsafeMutableBufferPointer { stripe in
                        for y in done..<th {
                            let row = y - done
                            for x in first..<last {
                                let weight = rampY[y] * rampX[x], target = ox + x - k * tw
                                stripe[(channelCount * nextRows + row) * sw + target] += weight
                                for c in 0..<channelCount {
                                    stripe[(c * nextRows + row) * sw + target] += weight * values[(c * th + y) * tw + x]
                                }
                            }
                        }
                    }
                }
            }
            // Columns left of the next tile are final.
            let finalWidth = (columnIndex + 1 < columns.count ? columns[columnIndex + 1] * scale : outW) - ox
            let block = Tensor.build(shape: [1, channelCount, done, finalWidth]) { output in
                for c in 0..<channelCount {
                    for y in 0..<done {
                        for x in 0..<finalWidth {
                            output[(c * done + y) * finalWidth + x] = window[(c * done + y) * tw + x]
                                / Swift.max(window[(channelCount * done + y) * tw + x], 1e-12)
                        }
                    }
                }
            }
            try emit(block, ox)
            // The rest of the window moves to its left edge.
            for p in 0...channelCount {
                for y in 0..<done {
                    let base = (p * done + y) * tw
                    for x in 0..<(tw - finalWidth) { window[base + x] = window[base + finalWidth + x] }
                }
            }
            filled = tw - finalWidth
        }
        previous = []
        rowIndex += 1
        bandTop = end
        carried = isFinished ? [] : next
        carriedRows = isFinished ? 0 : nextRows
        self.channels = channels
    }
}
