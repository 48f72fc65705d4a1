/// `PixelBuffer.resized(width:height:filter:)` for an image that arrives a band of rows at a time:
/// each output row is made as soon as the input rows its filter reads have arrived, and input rows
/// no later output row reads are dropped, so memory holds a few rows (the filter's support) instead
/// of the image. The samples equal those of the whole-image resize exactly (same taps, same pass
/// order, same fixed-point or double arithmetic and rounding).
public struct RowResizer {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let sampleType: PixelBuffer.SampleType
    public let newWidth: Int
    public let newHeight: Int
    /// Input rows received so far.
    public private(set) var inputRows = 0
    /// Output rows produced so far.
    public private(set) var outputRows = 0

    private let horizontal: ResampleTaps
    private let vertical: ResampleTaps
    private let horizontalFirst: Bool
    private let needHorizontal: Bool
    private let needVertical: Bool
    private let fixedHorizontal: [Int32]
    private let fixedVertical: [Int32]
    /// Kept rows (horizontally resampled first when `horizontalFirst`), the first being input row `keptFirst`.
    private var kept8: [[UInt8]] = []
    private var kept16: [[UInt16]] = []
    private var keptFirst = 0

    /// Resizes `width`×`height` images of `channels` samples of `sampleType` to `newWidth`×`newHeight`.
    public init(width: Int, height: Int, channels: Int, sampleType: PixelBuffer.SampleType, newWidth: Int,
                newHeight: Int, filter: ResampleFilter) {
        precondition(width > 0 && height > 0 && newWidth > 0 && newHeight > 0,
                     "RowResizer: \(width)×\(height) to \(newWidth)×\(newHeight)")
        self.width = width
        self.height = height
        self.channels = channels
        self.sampleType = sampleType
        self.newWidth = newWidth
        self.newHeight = newHeight
        horizontal = ResampleTaps(inputSize: width, outputSize: newWidth, filter: filter)
        vertical = ResampleTaps(inputSize: height, outputSize: newHeight, filter: filter)
        // As `resized`: Pillow 13's pass order.
        horizontalFirst = !(height - newHeight > 0 && height - newHeight > (width - newWidth) * 2)
        needHorizontal = newWidth != width
        needVertical = newHeight != height
        fixedHorizontal = horizontal.fixedPointWeights
        fixedVertical = vertical.fixedPointWeights
    }

    /// Takes the next input rows (this resizer's width, channels and sample type) and returns the
    /// output rows that became ready (possibly none: a `newWidth`×0 buffer is never made, nil instead).
    public mutating func push(_ rows: PixelBuffer) -> PixelBuffer? {
        precondition(rows.width == width && rows.channels == channels && rows.sampleType == sampleType
                     && inputRows + rows.height <= height,
                     "RowResizer: \(rows.width)×\(rows.height)×\(rows.channels) rows for \(width)×\(height)×\(channels)")
        let rowLength = width * channels
        switch rows.samples {
        case .uint8(let values):
            for y in 0..<rows.height {
                let row = Array(values[(y * rowLength)..<((y + 1) * rowLength)])
                kept8.append(horizontalFirst && needHorizontal
                    ? PixelBuffer.resampleRows8(row, width: width, channels: channels, rows: 0..<1, taps: horizontal,
                                                outputWidth: newWidth)
                    : row)
            }
        case .uint16(let values):
            for y in 0..<rows.height {
                let row = Array(values[(y * rowLength)..<((y + 1) * rowLength)])
                kept16.append(horizontalFirst && needHorizontal
                    ? PixelBuffer.resampleRows16(row, width: width, channels: channels, rows: 0..<1, taps: horizontal,
                                                 outputWidth: newWidth)
                    : row)
            }
        }
        inputRows += rows.height
        var output8: [UInt8] = [], output16: [UInt16] = []
        var made = 0
        while outputRows < newHeight {
            let (first, count) = needVertical ? (vertical.first[outputRows], vertical.count[outputRows]) : (outputRows, 1)
            guard first + count <= inputRows else { break }
            switch sampleType {
            case .uint8: output8 += row8(first: first, count: count)
            case .uint16: output16 += row16(first: first, count: count)
            }
            outputRows += 1
            made += 1
            // Rows above the next output row's window are read no more.
            let keepFrom = outputRows < newHeight ? (needVertical ? vertical.first[outputRows] : outputRows) : inputRows
            let drop = Swift.max(0, keepFrom - keptFirst)
            if drop > 0 {
                if sampleType == .uint8 { kept8.removeFirst(Swift.min(drop, kept8.count)) } else {
                    kept16.removeFirst(Swift.min(drop, kept16.count))
                }
                keptFirst += drop
            }
        }
        guard made > 0 else { return nil }
        switch sampleType {
        case .uint8: return PixelBuffer(width: newWidth, height: made, channels: channels, bytes: output8)
        case .uint16: return PixelBuffer(width: newWidth, height: made, channels: channels, words: output16)
        }
    }

    /// Output row `outputRows` from kept rows `first ..< first + count` (8-bit, Pillow's fixed point).
    private func row8(first: Int, count: Int) -> [UInt8] {
        guard needVertical else { return kept8[first - keptFirst] }  // (vertical-first implies needVertical)
        let rowLength = kept8[first - keptFirst].count
        let half = Int32(1 << (ResampleTaps.precisionBits - 1))
        var sums = [Int32](repeating: half, count: rowLength)
        let w0 = outputRows * vertical.taps
        for k in 0..<count {
            let weight = fixedVertical[w0 + k]
            let input = kept8[first + k - keptFirst]
            for j in 0..<rowLength { sums[j] &+= Int32(input[j]) &* weight }
        }
        let row = sums.map(PixelBuffer.clip8)
        guard !horizontalFirst && needHorizontal else { return row }
        return PixelBuffer.resampleRows8(row, width: width, channels: channels, rows: 0..<1, taps: horizontal,
                                         outputWidth: newWidth)
    }

    /// Output row `outputRows` from kept rows `first ..< first + count` (16-bit, double).
    private func row16(first: Int, count: Int) -> [UInt16] {
        guard needVertical else { return kept16[first - keptFirst] }
        let rowLength = kept16[first - keptFirst].count
        var sums = [Double](repeating: 0, count: rowLength)
        let w0 = outputRows * vertical.taps
        for k in 0..<count {
            let weight = vertical.weights[w0 + k]
            let input = kept16[first + k - keptFirst]
            for j in 0..<rowLength { sums[j] += Double(input[j]) * weight }
        }
        let row = sums.map(PixelBuffer.round16)
        guard !horizontalFirst && needHorizontal else { return row }
        return PixelBuffer.resampleRows16(row, width: width, channels: channels, rows: 0..<1, taps: horizontal,
                                          outputWidth: newWidth)
    }
}
