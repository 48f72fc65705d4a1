import Foundation
import ImageCodecs

/// An image as the metrics see it: `channels` planes of `Double` samples on the 0–255 scale.
///
/// 8-bit samples are used as they are; 16-bit samples are divided by 257 (65535 / 255), so PSNR
/// and SSIM of 16-bit images are on the same scale as 8-bit ones (BasicSR's numpy metrics assume
/// 0–255 and do not scale). Alpha is left out.
public struct MetricImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// Planar: `planes[c][y * width + x]`.
    public let planes: [[Double]]

    /// - Precondition: every plane has `width · height` samples.
    public init(width: Int, height: Int, planes: [[Double]]) {
        precondition(
            !planes.isEmpty && planes.allSatisfy { $0.count == width * height },
            "MetricImage: \(planes.count) planes do not all hold \(width)×\(height) samples")
        self.width = width
        self.height = height
        self.channels = planes.count
        self.planes = planes
    }

    /// The colour channels of `pixels` (alpha dropped), 16-bit samples divided by 257.
    public init(_ pixels: PixelBuffer) {
        let color = pixels.droppingAlpha()
        let (count, stride) = (color.pixelCount, color.channels)
        let planes: [[Double]]
        switch color.samples {
        case .uint8(let values):
            planes = (0..<stride).map { c in (0..<count).map { Double(values[$0 * stride + c]) } }
        case .uint16(let values):
            planes = (0..<stride).map { c in (0..<count).map { Double(values[$0 * stride + c]) / 257 } }
        }
        self.init(width: color.width, height: color.height, planes: planes)
    }

    /// The colour samples of an image file on the 0–255 scale (EXIF orientation applied, 16-bit kept).
    /// - Throws: `EvaluationError.unreadable` naming the file for an unreadable or damaged image
    ///   (a damaged JPEG decodes with gray where data is missing: its numbers would mislead).
    public init(contentsOf path: String) throws {
        let decoded: DecodedImage
        do {
            decoded = try ImageDecoder.decode(contentsOf: path, options: DecodeOptions(keep16Bit: true))
        } catch let error as ImageCodecError {
            throw EvaluationError(.unreadable, error.message, path: path)
        }
        if let damage = decoded.warnings.first {
            throw EvaluationError(
                .unreadable, "damaged image (\(damage.message)); its pixels are not what was saved",
                path: path)
        }
        self.init(decoded.pixels)
    }

    /// The image without `border` pixels on each side (BasicSR's `crop_border`).
    /// - Precondition: `2 · border` is less than the width and the height.
    public func cropped(border: Int) -> MetricImage {
        guard border > 0 else { return self }
        precondition(2 * border < width && 2 * border < height, "cropped(border: \(border)) of \(width)×\(height)")
        let (w, h) = (width - 2 * border, height - 2 * border)
        let cropped = planes.map { plane in
            (0..<(w * h)).map { plane[($0 / w + border) * width + $0 % w + border] }
        }
        return MetricImage(width: w, height: h, planes: cropped)
    }

    /// BasicSR's `to_y_channel`: the ITU-R BT.601 luma `Y = 16 + 65.481 R + 128.553 G + 24.966 B`
    /// (R, G, B in [0, 1]) on the 0–255 scale, of an RGB image; a gray image stays one channel.
    /// The float32 steps of `to_y_channel` and `bgr2ycbcr` are kept, so results equal BasicSR's.
    public func yChannel() -> MetricImage {
        // to_y_channel: img.astype(float32) / 255 (bgr2ycbcr keeps float32 input in [0, 1]).
        func unit(_ value: Double) -> Float { Float(value) / Float(255) }
        guard channels == 3 else {
            // Not RGB: to_y_channel returns (float32(img) / 255) * 255, in float32.
            return MetricImage(
                width: width, height: height, planes: planes.map { $0.map { Double(unit($0) * Float(255)) } })
        }
        let (r, g, b) = (planes[0], planes[1], planes[2])
        let y = (0..<(width * height)).map { p -> Double in
            // np.dot(bgr, [24.966, 128.553, 65.481]) in float64, + 16, / 255, then float32; the
            // caller's `* 255.` stays float32.
            let dot = Double(unit(b[p])) * 24.966 + Double(unit(g[p])) * 128.553 + Double(unit(r[p])) * 65.481
            let scaled = Float((dot + 16.0) / 255.0)
            return Double(scaled * Float(255))
        }
        return MetricImage(width: width, height: height, planes: [y])
    }
}

/// PSNR and SSIM exactly as BasicSR's `calculate_psnr` and `calculate_ssim`
/// (basicsr/metrics/psnr_ssim.py): float64 on the 0–255 scale, `crop_border` pixels left out on
/// each side, optionally on the Y channel (`test_y_channel`), SSIM with an 11×11 Gaussian window
/// (σ 1.5) over the valid region, C1 = (0.01·255)², C2 = (0.03·255)², averaged over channels.
public enum ImageMetrics {
    /// A metric `translate eval` computes.
    public enum Metric: String, CaseIterable, Sendable, Codable {
        case psnr, ssim

        /// The column title: "PSNR", "SSIM".
        public var title: String { rawValue.uppercased() }

        /// Parses a comma-separated list ("psnr,ssim"), case-insensitive, in the order given, without repeats.
        /// - Throws: `EvaluationError` (`.usage`) naming an unknown metric, or for an empty list.
        public static func list(_ text: String) throws -> [Metric] {
            var result: [Metric] = []
            for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                guard let metric = Metric(rawValue: name) else {
                    let known = allCases.map(\.rawValue).joined(separator: ", ")
                    throw EvaluationError(.invalidOptions, "--metric: unknown metric '\(name)'; choose from \(known)")
                }
                if !result.contains(metric) { result.append(metric) }
            }
            if result.isEmpty { throw EvaluationError(.invalidOptions, "--metric: give at least one of psnr, ssim") }
            return result
        }
    }

    /// What `translate eval --help` says about the measures (the conventions live with the code).
    public static let conventions = """
        Compares two folders matched by relative path without extension (pred/sub/a.png with \
        gt/sub/a.jpg; .png, .jpg and .jpeg count, hidden files are ignored), or two files. \
        Prints a per-image table and the mean (--json: the same as JSON).

        PSNR and SSIM are BasicSR's calculate_psnr and calculate_ssim: float64 on the 0–255 \
        scale, --crop-border pixels left out on each side, --y-channel for the BT.601 luma \
        Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in [0, 1]); SSIM uses an 11×11 Gaussian \
        window (σ 1.5) over the valid region and averages channels. 16-bit images are put on the \
        0–255 scale (v / 257); alpha is left out; a gray image compared with an RGB one is read as \
        RGB (as cv2.imread does). Super-resolution papers report --y-channel --crop-border SCALE.

        Exit status: 0 when every pair was compared; 1 when a pair is missing, differs in size \
        or cannot be read (each is named on stderr; the mean covers the pairs that were \
        compared); 2 for a usage error.
        """

    /// Border crop and channel choice, as BasicSR's `crop_border` and `test_y_channel`.
    public struct Options: Sendable, Equatable {
        public var cropBorder: Int
        public var yChannel: Bool

        public init(cropBorder: Int = 0, yChannel: Bool = false) {
            self.cropBorder = cropBorder
            self.yChannel = yChannel
        }
    }

    /// `metric` of `prediction` against `reference`.
    /// - Throws: `EvaluationError` when the sizes or channel counts differ or the image is too
    ///   small for the crop (and, for SSIM, the 11×11 window).
    public static func value(
        _ metric: Metric, _ prediction: MetricImage, _ reference: MetricImage,
        options: Options = Options()
    ) throws -> Double {
        switch metric {
        case .psnr: return try psnr(prediction, reference, options: options)
        case .ssim: return try ssim(prediction, reference, options: options)
        }
    }

    /// `10 · log10(255² / MSE)`, or +∞ for identical images.
    public static func psnr(_ prediction: MetricImage, _ reference: MetricImage, options: Options = Options()) throws
        -> Double
    {
        let (a, b) = try prepared(prediction, reference, options: options, minimumSide: 1)
        var sum = 0.0
        for c in 0..<a.channels {
            let (x, y) = (a.planes[c], b.planes[c])
            for i in x.indices {
                let d = x[i] - y[i]
                sum += d * d
            }
        }
        let mse = sum / Double(a.channels * a.width * a.height)
        if mse == 0 { return .infinity }
        return 10 * log10(255.0 * 255.0 / mse)
    }

    /// The mean SSIM map over the valid region, averaged over channels.
    public static func ssim(_ prediction: MetricImage, _ reference: MetricImage, options: Options = Options()) throws
        -> Double
    {
        let (a, b) = try prepared(prediction, reference, options: options, minimumSide: window.count)
        var total = 0.0
        for c in 0..<a.channels {
            total += ssim(a.planes[c], b.planes[c], width: a.width, height: a.height)
        }
        return total / Double(a.channels)
    }

    // MARK: - Internals

    /// cv2.getGaussianKernel(11, 1.5): `exp(−(i − 5)² / (2 σ²))` scaled to sum 1.
    static let window: [Double] = {
        let sigma = 1.5
        let raw = (0..<11).map { i -> Double in
            let x = Double(i) - 5
            return exp(-0.5 / (sigma * sigma) * x * x)
        }
        let scale = 1 / raw.reduce(0, +)
        return raw.map { $0 * scale }
    }()

    /// The crop and channel choice applied to both images, after checking they can be compared.
    static func prepared(_ prediction: MetricImage, _ reference: MetricImage, options: Options, minimumSide: Int)
        throws -> (MetricImage, MetricImage)
    {
        guard prediction.width == reference.width && prediction.height == reference.height else {
            throw EvaluationError(
                .sizeMismatch,
                "prediction is \(prediction.width)×\(prediction.height), ground "
                    + "truth \(reference.width)×\(reference.height)")
        }
        guard prediction.channels == reference.channels else {
            throw EvaluationError(
                .channelMismatch,
                "prediction has \(prediction.channels) channels, ground truth "
                    + "\(reference.channels)")
        }
        guard options.cropBorder >= 0 else {
            throw EvaluationError(.invalidOptions, "the border crop must not be negative, got \(options.cropBorder)")
        }
        let (w, h) = (prediction.width - 2 * options.cropBorder, prediction.height - 2 * options.cropBorder)
        guard w >= minimumSide && h >= minimumSide else {
            let need = minimumSide > 1 ? "SSIM's \(minimumSide)×\(minimumSide) window needs" : "PSNR needs"
            throw EvaluationError(
                .tooSmall,
                "\(prediction.width)×\(prediction.height) with a border crop of "
                    + "\(options.cropBorder) leaves \(max(w, 0))×\(max(h, 0)) pixels; \(need) at least "
                    + "\(minimumSide)×\(minimumSide)")
        }
        var a = prediction.cropped(border: options.cropBorder)
        var b = reference.cropped(border: options.cropBorder)
        if options.yChannel {
            a = a.yChannel()
            b = b.yChannel()
        }
        return (a, b)
    }

    /// BasicSR's `_ssim` on one plane: the window's separable passes give the 'valid' filter
    /// (cv2.filter2D(…)[5:-5, 5:-5]).
    static func ssim(_ x: [Double], _ y: [Double], width: Int, height: Int) -> Double {
        let c1 = (0.01 * 255) * (0.01 * 255)
        let c2 = (0.03 * 255) * (0.03 * 255)
        let n = x.count
        var xx = [Double](repeating: 0, count: n)
        var yy = xx
        var xy = xx
        for i in 0..<n {
            xx[i] = x[i] * x[i]
            yy[i] = y[i] * y[i]
            xy[i] = x[i] * y[i]
        }
        let mu1 = filtered(x, width: width, height: height)
        let mu2 = filtered(y, width: width, height: height)
        let s11 = filtered(xx, width: width, height: height)
        let s22 = filtered(yy, width: width, height: height)
        let s12 = filtered(xy, width: width, height: height)
        var sum = 0.0
        for i in mu1.indices {
            let (m1, m2) = (mu1[i], mu2[i])
            let (m1sq, m2sq, m12) = (m1 * m1, m2 * m2, m1 * m2)
            let sigma1 = s11[i] - m1sq
            let sigma2 = s22[i] - m2sq
            let sigma12 = s12[i] - m12
            sum += ((2 * m12 + c1) * (2 * sigma12 + c2)) / ((m1sq + m2sq + c1) * (sigma1 + sigma2 + c2))
        }
        return sum / Double(mu1.count)
    }

    /// The 'valid' correlation of a `width × height` plane with the 11×11 window:
    /// `(width − 10) × (height − 10)` values.
    static func filtered(_ plane: [Double], width: Int, height: Int) -> [Double] {
        let k = window.count
        let (ow, oh) = (width - k + 1, height - k + 1)
        // Rows first: [height, ow].
        var rows = [Double](repeating: 0, count: height * ow)
        for y in 0..<height {
            let base = y * width
            for x in 0..<ow {
                var s = 0.0
                for i in 0..<k { s += window[i] * plane[base + x + i] }
                rows[y * ow + x] = s
            }
        }
        // Then columns: [oh, ow].
        var out = [Double](repeating: 0, count: oh * ow)
        for y in 0..<oh {
            for x in 0..<ow {
                var s = 0.0
                for i in 0..<k { s += window[i] * rows[(y + i) * ow + x] }
                out[y * ow + x] = s
            }
        }
        return out
    }
}
