#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Colour conversions the reference models depend on.
public enum ColorConversion {
    // MARK: - CIE Lab (scikit-image rgb2lab / lab2rgb: sRGB, D65, 2° observer)

    /// sRGB (D65) to CIE XYZ, as scikit-image's `xyz_from_rgb`.
    static let xyzFromRGB: [Double] = [
        0.412453, 0.357580, 0.180423,
        0.212671, 0.715160, 0.072169,
        0.019334, 0.119193, 0.950227,
    ]

    /// The inverse of `xyzFromRGB` (scikit-image computes it with `linalg.inv`).
    static let rgbFromXYZ: [Double] = invert3x3(xyzFromRGB)

    /// D65, 2° observer reference white.
    static let referenceWhite: (x: Double, y: Double, z: Double) = (0.95047, 1.0, 1.08883)

    /// Linear-light value of each 8-bit sRGB level (the sRGB transfer function, as scikit-image).
    private static let linearFromByte: [Double] = (0..<256).map { linearize(Double($0) / 255) }

    @inline(__always)
    static func linearize(_ v: Double) -> Double {
        v > 0.04045 ? pow((v + 0.055) / 1.055, 2.4) : v / 12.92
    }

    @inline(__always)
    private static func labCompand(_ t: Double) -> Double {
        t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0
    }

    /// CIE Lab of an RGB image, HWC floats: L in [0, 100], a and b roughly in [-110, 110].
    /// Equals scikit-image's `rgb2lab(img)` (computed in double, like its float64 path).
    /// - Precondition: 3 channels (use `converted(toChannels: 3)` first).
    public static func rgbToLab(_ pixels: PixelBuffer) -> [Float] {
        precondition(pixels.channels == 3, "rgbToLab needs RGB, got \(pixels.channels) channels")
        var lab = [Float](repeating: 0, count: pixels.pixelCount * 3)
        let m = xyzFromRGB
        let white = referenceWhite
        func convert(_ r: Double, _ g: Double, _ b: Double, into index: Int) {
            let x = (m[0] * r + m[1] * g + m[2] * b) / white.x
            let y = (m[3] * r + m[4] * g + m[5] * b) / white.y
            let z = (m[6] * r + m[7] * g + m[8] * b) / white.z
            let fx = labCompand(x), fy = labCompand(y), fz = labCompand(z)
            lab[index] = Float(116 * fy - 16)
            lab[index + 1] = Float(500 * (fx - fy))
            lab[index + 2] = Float(200 * (fy - fz))
        }
        switch pixels.samples {
        case .uint8(let values):
            for i in stride(from: 0, to: values.count, by: 3) {
                convert(
                    linearFromByte[Int(values[i])], linearFromByte[Int(values[i + 1])],
                    linearFromByte[Int(values[i + 2])], into: i)
            }
        case .uint16(let values):
            for i in stride(from: 0, to: values.count, by: 3) {
                convert(
                    linearize(Double(values[i]) / 65535), linearize(Double(values[i + 1]) / 65535),
                    linearize(Double(values[i + 2]) / 65535), into: i)
            }
        }
        return lab
    }

    /// sRGB in [0, 1] (HWC floats) of a CIE Lab image, as scikit-image's `lab2rgb`: negative Z
    /// is clipped to 0 and the result to [0, 1].
    public static func labToRGB(_ lab: [Float]) -> [Float] {
        precondition(lab.count % 3 == 0, "labToRGB: \(lab.count) values are not whole Lab triples")
        var rgb = [Float](repeating: 0, count: lab.count)
        let m = rgbFromXYZ
        let white = referenceWhite
        func expand(_ t: Double) -> Double { t > 0.2068966 ? t * t * t : (t - 16.0 / 116.0) / 7.787 }
        func gamma(_ v: Double) -> Float {
            let encoded = v > 0.0031308 ? 1.055 * pow(v, 1 / 2.4) - 0.055 : v * 12.92
            return Float(Swift.min(Swift.max(encoded, 0), 1))
        }
        for i in stride(from: 0, to: lab.count, by: 3) {
            let fy = (Double(lab[i]) + 16) / 116
            let fx = Double(lab[i + 1]) / 500 + fy
            let fz = Swift.max(fy - Double(lab[i + 2]) / 200, 0)
            let x = expand(fx) * white.x, y = expand(fy) * white.y, z = expand(fz) * white.z
            rgb[i] = gamma(m[0] * x + m[1] * y + m[2] * z)
            rgb[i + 1] = gamma(m[3] * x + m[4] * y + m[5] * z)
            rgb[i + 2] = gamma(m[6] * x + m[7] * y + m[8] * z)
        }
        return rgb
    }

    /// An RGB image of `sampleType` samples (8-bit unless told) from Lab, rounding `lab2rgb`'s
    /// [0, 1] values to the nearest level (halves away from zero).
    public static func labToPixels(_ lab: [Float], width: Int, height: Int,
                                   sampleType: PixelBuffer.SampleType = .uint8) -> PixelBuffer {
        precondition(lab.count == width * height * 3, "labToPixels: \(lab.count) values for \(width)×\(height)×3")
        let maximum = Float(sampleType.maximum)
        // labToRGB clamps to [0, 1]; the clamp here only keeps NaN (→ 0) from trapping.
        func level(_ value: Float) -> Float {
            let level = (value * maximum).rounded(.toNearestOrAwayFromZero)
            return level.isNaN ? 0 : Swift.min(maximum, Swift.max(0, level))
        }
        let rgb = labToRGB(lab)
        switch sampleType {
        case .uint8:
            return PixelBuffer(width: width, height: height, channels: 3, bytes: rgb.map { UInt8(level($0)) })
        case .uint16:
            return PixelBuffer(width: width, height: height, channels: 3, words: rgb.map { UInt16(level($0)) })
        }
    }

    // MARK: - Luma for PSNR-Y

    /// The Y of Y'CbCr (ITU-R BT.601, MATLAB's `rgb2ycbcr`) of each pixel, on the 0-255 scale
    /// (16...235), unrounded: `16 + (65.481 R + 128.553 G + 24.966 B) / 255` for 8-bit R, G, B.
    /// This is the channel SR papers and BasicSR (`test_y_channel`) measure PSNR on.
    public static func rgbToY(_ pixels: PixelBuffer) -> [Float] {
        precondition(pixels.channels == 3, "rgbToY needs RGB, got \(pixels.channels) channels")
        var y = [Float](repeating: 0, count: pixels.pixelCount)
        switch pixels.samples {
        case .uint8(let values):
            for p in 0..<pixels.pixelCount {
                let r = Double(values[3 * p]), g = Double(values[3 * p + 1]), b = Double(values[3 * p + 2])
                y[p] = Float(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255)
            }
        case .uint16(let values):
            for p in 0..<pixels.pixelCount {
                let scale = 1.0 / 65535
                let r = Double(values[3 * p]) * scale, g = Double(values[3 * p + 1]) * scale
                let b = Double(values[3 * p + 2]) * scale
                y[p] = Float(16 + 65.481 * r + 128.553 * g + 24.966 * b)
            }
        }
        return y
    }

    // MARK: - CMYK

    /// RGB from Adobe-inverted CMYK samples (what CMYK and YCCK JPEGs decode to), 4 bytes per
    /// pixel in, 3 out, exactly as Pillow (`CMYK;I` unpacking, then `cmyk2rgb`):
    /// with C = 255 - c′ and K = 255 - k′, R = k′ - round(C·k′/255), likewise G and B.
    static func invertedCMYKToRGB(_ cmyk: [UInt8]) -> [UInt8] {
        let pixelCount = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
        // Pillow's MULDIV255: (a·b + 128 + ((a·b + 128) >> 8)) >> 8, the rounded a·b/255.
        @inline(__always) func mulDiv255(_ a: Int, _ b: Int) -> Int {
            let t = a * b + 128
            return (t + (t >> 8)) >> 8
        }
        for p in 0..<pixelCount {
            let nk = Int(cmyk[4 * p + 3])  // 255 - K, stored inverted
            for c in 0..<3 {
                let value = 255 - Int(cmyk[4 * p + c])  // un-invert: the ink amount
                rgb[3 * p + c] = UInt8(Swift.max(0, Swift.min(255, nk - mulDiv255(value, nk))))
            }
        }
        return rgb
    }

    // MARK: - Helpers

    private static func invert3x3(_ m: [Double]) -> [Double] {
        let (a, b, c, d, e, f, g, h, i) = (m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8])
        let cofactors = [
            e * i - f * h, -(d * i - f * g), d * h - e * g,
            -(b * i - c * h), a * i - c * g, -(a * h - b * g),
            b * f - c * e, -(a * f - c * d), a * e - b * d,
        ]
        let determinant = a * cofactors[0] + b * cofactors[1] + c * cofactors[2]
        // inverse = adjugate / det, where the adjugate is the transposed cofactor matrix.
        return [
            cofactors[0], cofactors[3], cofactors[6],
            cofactors[1], cofactors[4], cofactors[7],
            cofactors[2], cofactors[5], cofactors[8],
        ].map { $0 / determinant }
    }
}

extension PixelBuffer {
    /// This image's Lab values, HWC (`ColorConversion.rgbToLab`); gray is expanded to RGB first.
    public func labValues() -> [Float] { ColorConversion.rgbToLab(droppingAlpha().converted(toChannels: 3)) }
}
