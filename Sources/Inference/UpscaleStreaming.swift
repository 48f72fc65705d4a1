import ImageCodecs
import ImageDatasets
import Tensors

/// `translate upscale` of an image whose output is too large to hold: the network runs a row of
/// tiles at a time (`BandTiler`), each finished band of output rows becomes pixels (and goes through
/// the `--outscale` Lanczos resize and the alpha path row by row, `RowResizer`) and is handed to a
/// writer (`ImageStreamWriter`), then dropped. Peak memory is bounded by the tile size and the image
/// width, not its area; the pixels are those of `finish` on the whole output, exactly.
extension ImageTransform {
    /// Decode-side work for a streamed upscale: alpha split off and the colour converted to the
    /// network's channels, kept as pixels (`PreparedImage.pixels`): tiles become floats one at a time.
    /// - Precondition: an upscaling transform with a network (`upscaling(spec:preprocessing:options:)`).
    public func prepareStreamed(_ pixels: PixelBuffer) -> PreparedImage {
        precondition(upscale != nil && resampling == nil, "prepareStreamed: only for upscaling with a network")
        let alpha = pixels.alphaChannel()
        var color = pixels.droppingAlpha()
        let sourceChannels = color.channels
        if color.channels != inputChannels { color = color.converted(toChannels: inputChannels) }
        return PreparedImage(input: Tensor(zeros: [1, 1, 1, 1]), alpha: alpha, alphaInput: nil, source: nil,
                             sourceChannels: sourceChannels, sampleType: color.sampleType, width: color.width,
                             height: color.height, lab: nil, pixels: color)
    }

    /// The channels of the pixels `streamUpscale` writes: the source's colour channels, plus alpha.
    public func streamedChannels(_ prepared: PreparedImage) -> Int {
        prepared.sourceChannels + (prepared.alpha == nil ? 0 : 1)
    }

    /// Upscales `prepared` (from `prepareStreamed`) with `runner`, handing the output to `write` a
    /// band of rows at a time, top to bottom (`outputSize` wide, `streamedChannels` channels, the
    /// input's sample type): together the pixels `finish` makes of the whole output, exactly.
    public func streamUpscale(_ prepared: PreparedImage, runner: GeneratorRunner,
                              write: (PixelBuffer) throws -> Void) throws {
        guard let upscale, let color = prepared.pixels else {
            preconditionFailure("streamUpscale: prepare the image with prepareStreamed")
        }
        let inputRange = Self.pixelRange(preprocessing.inputRange)
        let outputRange = Self.pixelRange(preprocessing.outputRange)
        let (width, height, sampleType) = (prepared.width, prepared.height, prepared.sampleType)
        let networkWidth = width * modelScale, networkHeight = height * modelScale
        let target = outputSize(width: width, height: height)
        // Real-ESRGAN's --outscale: the network's size, then Lanczos to the size asked for.
        func lanczos(_ channels: Int) -> RowResizer? {
            target.width == networkWidth && target.height == networkHeight ? nil
                : RowResizer(width: networkWidth, height: networkHeight, channels: channels, sampleType: sampleType,
                             newWidth: target.width, newHeight: target.height, filter: .lanczos)
        }
        var colorResizer = lanczos(prepared.sourceChannels)
        var colorRows = RowQueue()
        var alphaRows = RowQueue()
        var colorTiler = runner.bandTiler(height: height, width: width)
        let tileInput = { (top: Int, left: Int, h: Int, w: Int) in
            PixelTensor.tensor(from: color, channels: self.inputChannels, range: inputRange,
                               crop: PixelRect(x: left, y: top, width: w, height: h))
        }
        // Alpha through the network as a gray image (replicated to the input channels), or bicubic
        // from the input rows.
        let alpha = prepared.alpha
        var alphaTiler: BandTiler? = alpha != nil && upscale.alphaUpsampler == .model ? runner.bandTiler(height: height, width: width)
            : nil
        var alphaResizer: RowResizer? = alphaTiler == nil ? nil : lanczos(1)
        let alphaInput = { (top: Int, left: Int, h: Int, w: Int) -> Tensor in
            let rect = PixelRect(x: left, y: top, width: w, height: h)
            let tile = alpha!.cropped(to: rect).converted(toChannels: self.inputChannels)
            return PixelTensor.tensor(from: tile, channels: self.inputChannels, range: inputRange)
        }
        var bicubicAlpha: RowResizer? = alpha != nil && alphaTiler == nil
            ? RowResizer(width: width, height: height, channels: 1, sampleType: alpha!.sampleType,
                         newWidth: target.width, newHeight: target.height, filter: .bicubic)
            : nil
        var alphaRowsFed = 0

        /// Writes the rows for which both colour and alpha are ready.
        func drain() throws {
            if var resizer = bicubicAlpha, let alpha {
                while alphaRows.rows < colorRows.rows && alphaRowsFed < height {
                    let count = Swift.min(16, height - alphaRowsFed)
                    let input = alpha.cropped(to: PixelRect(x: 0, y: alphaRowsFed, width: width, height: count))
                    alphaRowsFed += count
                    if let rows = resizer.push(input) { alphaRows.append(rows) }
                }
                bicubicAlpha = resizer
            }
            let ready = alpha == nil ? colorRows.rows : Swift.min(colorRows.rows, alphaRows.rows)
            guard ready > 0 else { return }
            var rows = colorRows.take(ready)
            if alpha != nil { rows = rows.attachingAlpha(alphaRows.take(ready)) }
            try write(rows)
        }

        // The tiler hands over blocks of finished pixels; they are joined into full-width rows here,
        // as pixels (a quarter of the floats' bytes at 8 bits), then passed on 32 rows at a time.
        var colorBand = PixelBand(), alphaBand = PixelBand()
        while !colorTiler.isFinished {
            try colorTiler.next(input: tileInput, runner.forward) { block, column in
                var pixels = PixelTensor.pixels(from: block, range: outputRange, sampleType: sampleType)
                if keepMode && pixels.channels != prepared.sourceChannels {
                    pixels = pixels.converted(toChannels: prepared.sourceChannels)
                }
                guard let rows = colorBand.place(pixels, column: column, width: networkWidth) else { return }
                for chunk in PixelBand.chunks(of: rows) {
                    if colorResizer != nil {
                        if let resized = colorResizer!.push(chunk) { colorRows.append(resized) }
                    } else {
                        colorRows.append(chunk)
                    }
                    if alphaTiler == nil { try drain() }
                }
            }
            // As Real-ESRGAN: the network's output for the alpha image, to gray (ITU-R 601 luma).
            try alphaTiler?.next(input: alphaInput, runner.forward) { block, column in
                let gray = PixelTensor.pixels(from: block, range: outputRange, sampleType: sampleType)
                    .converted(toChannels: 1)
                guard let rows = alphaBand.place(gray, column: column, width: networkWidth) else { return }
                for chunk in PixelBand.chunks(of: rows) {
                    if alphaResizer != nil {
                        if let resized = alphaResizer!.push(chunk) { alphaRows.append(resized) }
                    } else {
                        alphaRows.append(chunk)
                    }
                    try drain()
                }
            }
        }
        try drain()
        precondition(colorRows.rows == 0 && alphaRows.rows == 0, "streamUpscale: rows left over")
    }
}

/// Pixel rows waiting to be written: bands appended at the bottom, rows taken from the top.
struct RowQueue {
    private var bands: [PixelBuffer] = []
    /// Rows of `bands[0]` already taken.
    private var taken = 0
    /// Rows waiting.
    private(set) var rows = 0

    mutating func append(_ band: PixelBuffer) {
        guard band.height > 0 else { return }
        bands.append(band)
        rows += band.height
    }

    /// The top `count` rows, removed from the queue.
    mutating func take(_ count: Int) -> PixelBuffer {
        precondition(count > 0 && count <= rows, "RowQueue.take(\(count)) of \(rows) rows")
        var pieces: [PixelBuffer] = []
        var needed = count
        while needed > 0 {
            let band = bands[0], available = band.height - taken, used = Swift.min(available, needed)
            pieces.append(taken == 0 && used == band.height
                ? band : band.cropped(to: PixelRect(x: 0, y: taken, width: band.width, height: used)))
            needed -= used
            taken += used
            if taken == band.height {
                bands.removeFirst()
                taken = 0
            }
        }
        rows -= count
        guard pieces.count > 1 else { return pieces[0] }
        let first = pieces[0]
        switch first.samples {
        case .uint8:
            return PixelBuffer(width: first.width, height: count, channels: first.channels,
                               bytes: pieces.flatMap { $0.bytes })
        case .uint16:
            return PixelBuffer(width: first.width, height: count, channels: first.channels,
                               words: pieces.flatMap { $0.words })
        }
    }
}

/// Blocks of pixels (all of the same rows, left to right) joined into full-width rows.
struct PixelBand {
    private var samples8: [UInt8] = []
    private var samples16: [UInt16] = []

    /// Places `block` at `column` of rows `width` wide; when it completes the rows (its right edge
    /// is the last column), returns them and starts afresh.
    mutating func place(_ block: PixelBuffer, column: Int, width: Int) -> PixelBuffer? {
        let (rows, channels) = (block.height, block.channels)
        func put<T>(_ values: [T], into band: inout [T], zero: T) {
            if band.isEmpty { band = [T](repeating: zero, count: rows * width * channels) }
            for y in 0..<rows {
                let source = y * block.width * channels, target = (y * width + column) * channels
                band.replaceSubrange(target..<(target + block.width * channels),
                                     with: values[source..<(source + block.width * channels)])
            }
        }
        switch block.samples {
        case .uint8(let values): put(values, into: &samples8, zero: 0)
        case .uint16(let values): put(values, into: &samples16, zero: 0)
        }
        guard column + block.width == width else { return nil }
        defer {
            samples8 = []
            samples16 = []
        }
        return block.sampleType == .uint8
            ? PixelBuffer(width: width, height: rows, channels: channels, bytes: samples8)
            : PixelBuffer(width: width, height: rows, channels: channels, words: samples16)
    }

    /// `rows` in bands of at most 32 rows, each copied out when asked for.
    static func chunks(of rows: PixelBuffer) -> some Sequence<PixelBuffer> {
        stride(from: 0, to: rows.height, by: 32).lazy.map { top in
            rows.cropped(to: PixelRect(x: 0, y: top, width: rows.width, height: Swift.min(32, rows.height - top)))
        }
    }
}
