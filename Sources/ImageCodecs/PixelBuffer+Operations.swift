// Crops, flips and channel-layout changes. Channel rules follow Pillow's `convert`, which the
// reference implementations call (`Image.open(path).convert('RGB')`, `transforms.Grayscale`).

extension PixelBuffer {
    // MARK: - Geometry

    /// The pixels inside `rect`.
    /// - Precondition: `rect` lies inside the image.
    public func cropped(to rect: PixelRect) -> PixelBuffer {
        precondition(rect.fits(width: width, height: height), "cropped(to: \(rect)) on a \(width)×\(height) image")
        if rect.x == 0 && rect.y == 0 && rect.width == width && rect.height == height { return self }
        // Whole row segments at a time (a crop is on the decode path of every training sample).
        func rows<T>(_ values: [T]) -> [T] {
            var result: [T] = []
            result.reserveCapacity(rect.width * rect.height * channels)
            for y in rect.y..<(rect.y + rect.height) {
                let start = (y * width + rect.x) * channels
                result.append(contentsOf: values[start..<(start + rect.width * channels)])
            }
            return result
        }
        switch samples {
        case .uint8(let values):
            return PixelBuffer(width: rect.width, height: rect.height, channels: channels, bytes: rows(values))
        case .uint16(let values):
            return PixelBuffer(width: rect.width, height: rect.height, channels: channels, words: rows(values))
        }
    }

    /// Mirrored left to right (Pillow's `FLIP_LEFT_RIGHT`, torchvision's horizontal flip).
    public func flippedHorizontally() -> PixelBuffer { oriented(.mirrorHorizontal) }

    /// Mirrored top to bottom.
    public func flippedVertically() -> PixelBuffer { oriented(.mirrorVertical) }

    /// Rows and columns exchanged (a 90° rotation plus a mirror), as used by SR augmentation.
    public func transposed() -> PixelBuffer { oriented(.transpose) }

    // MARK: - Channels

    /// The image with `count` channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA), converting as
    /// Pillow does: colour to gray is ITU-R 601 luma `L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16`,
    /// gray to colour copies L into R, G and B, dropping alpha discards it (no compositing:
    /// `convert('RGB')` on RGBA), and added alpha is opaque.
    public func converted(toChannels count: Int) -> PixelBuffer {
        precondition((1...4).contains(count), "converted(toChannels: \(count)): expected 1 to 4")
        if count == channels { return self }
        switch samples {
        case .uint8(let values):
            return PixelBuffer(
                width: width, height: height, channels: count,
                bytes: PixelBuffer.convertChannels(values, from: channels, to: count, opaque: 255))
        case .uint16(let values):
            return PixelBuffer(
                width: width, height: height, channels: count,
                words: PixelBuffer.convertChannels(values, from: channels, to: count, opaque: 65535))
        }
    }

    /// The image without its alpha channel (gray+alpha → gray, RGBA → RGB); unchanged otherwise.
    public func droppingAlpha() -> PixelBuffer { hasAlpha ? converted(toChannels: channels - 1) : self }

    /// The alpha channel of a gray+alpha or RGBA image as a 1-channel buffer, or nil without alpha.
    public func alphaChannel() -> PixelBuffer? {
        guard hasAlpha else { return nil }
        let (stride, last, count) = (channels, channels - 1, pixelCount)
        switch samples {
        case .uint8(let values):
            let alpha = (0..<count).map { values[$0 * stride + last] }
            return PixelBuffer(width: width, height: height, channels: 1, bytes: alpha)
        case .uint16(let values):
            let alpha = (0..<count).map { values[$0 * stride + last] }
            return PixelBuffer(width: width, height: height, channels: 1, words: alpha)
        }
    }

    /// This image (1 or 3 channels, no alpha) with `alpha` (1 channel, same size) appended as its
    /// last channel; the alpha samples are converted to this image's sample type (×257 or rounded ÷257).
    public func attachingAlpha(_ alpha: PixelBuffer) -> PixelBuffer {
        precondition(alpha.width == width && alpha.height == height && alpha.channels == 1 && !hasAlpha,
                     "attachingAlpha: \(alpha.width)×\(alpha.height)×\(alpha.channels) alpha on "
                        + "\(width)×\(height)×\(channels)")
        let total = channels + 1
        let count = pixelCount
        func interleave<T>(_ colorSamples: [T], _ alphaSamples: [T]) -> [T] {
            var result = [T]()
            result.reserveCapacity(count * total)
            for p in 0..<count {
                for c in 0..<(total - 1) { result.append(colorSamples[p * (total - 1) + c]) }
                result.append(alphaSamples[p])
            }
            return result
        }
        switch sampleType {
        case .uint8:
            let samples = interleave(bytes, alpha.convertedTo8Bit().bytes)
            return PixelBuffer(width: width, height: height, channels: total, bytes: samples)
        case .uint16:
            let samples = interleave(words, alpha.convertedTo16Bit().words)
            return PixelBuffer(width: width, height: height, channels: total, words: samples)
        }
    }

    private static func convertChannels<T: FixedWidthInteger & UnsignedInteger>(
        _ source: [T], from inputChannels: Int, to outputChannels: Int, opaque: T
    ) -> [T] {
        let pixelCount = source.count / inputChannels
        var result = [T](repeating: opaque, count: pixelCount * outputChannels)
        let inputColor = inputChannels >= 3
        let outputColor = outputChannels >= 3
        let inputAlpha = inputChannels == 2 || inputChannels == 4
        let outputAlpha = outputChannels == 2 || outputChannels == 4
        for p in 0..<pixelCount {
            let i = p * inputChannels, o = p * outputChannels
            if inputColor == outputColor {
                for c in 0..<(outputColor ? 3 : 1) { result[o + c] = source[i + c] }
            } else if outputColor {
                result[o] = source[i]; result[o + 1] = source[i]; result[o + 2] = source[i]
            } else {
                result[o] = luma(source[i], source[i + 1], source[i + 2])
            }
            if outputAlpha && inputAlpha { result[o + outputChannels - 1] = source[i + inputChannels - 1] }
        }
        return result
    }

    /// Pillow's `L24` luma, in the samples' own range.
    @inline(__always)
    static func luma<T: FixedWidthInteger & UnsignedInteger>(_ r: T, _ g: T, _ b: T) -> T {
        let red: UInt64 = UInt64(r) * 19595
        let green: UInt64 = UInt64(g) * 38470
        let blue: UInt64 = UInt64(b) * 7471
        return T((red + green + blue + 0x8000) >> 16)
    }
}
