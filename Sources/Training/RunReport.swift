import Foundation

/// One logged training iteration: losses by name, as written to `loss_log.jsonl`.
public struct LossRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var iteration: Int
    public var losses: [String: Float]
    public var seconds: Double?

    public init(epoch: Int, iteration: Int, losses: [String: Float], seconds: Double? = nil) {
        self.epoch = epoch
        self.iteration = iteration
        self.losses = losses
        self.seconds = seconds
    }
}

/// One epoch's summary for the report: its duration and sample images (PNG bytes by label,
/// e.g. real_A / fake_B / real_B).
public struct EpochSummary: Codable, Sendable {
    public var epoch: Int
    public var seconds: Double
    public var learningRate: Float
    public var samples: [Sample]

    public struct Sample: Codable, Sendable {
        public var label: String
        /// Path relative to the run folder (images/epoch003_fake_B.png).
        public var file: String
        public init(label: String, file: String) {
            self.label = label
            self.file = file
        }
    }

    public init(epoch: Int, seconds: Double, learningRate: Float, samples: [Sample]) {
        self.epoch = epoch
        self.seconds = seconds
        self.learningRate = learningRate
        self.samples = samples
    }
}

/// The run report: one self-contained HTML page (no scripts, no network requests) with SVG loss
/// curves, per-epoch sample grids (images embedded as data URIs), the options and the timing.
public struct RunReport {
    public var title: String
    public var options: String
    public var losses: [LossRecord]
    public var epochs: [EpochSummary]
    /// Extra sections (evaluation results, inference summary) as (heading, rows of key/value).
    public var sections: [(heading: String, rows: [(String, String)])]
    /// Reads sample images relative to the run folder.
    public var runFolder: URL
    /// Image galleries (e.g. inference inputs and outputs): a heading and (caption, file) pairs;
    /// files are read and embedded when the report is written.
    public var galleries: [(heading: String, images: [(caption: String, file: URL)])] = []

    public init(title: String, options: String, losses: [LossRecord], epochs: [EpochSummary],
                sections: [(heading: String, rows: [(String, String)])] = [], runFolder: URL) {
        self.title = title
        self.options = options
        self.losses = losses
        self.epochs = epochs
        self.sections = sections
        self.runFolder = runFolder
    }

    /// Writes `report.html` atomically into the run folder.
    public func write(to url: URL) throws {
        try AtomicWriter.write(Data(html().utf8), to: url)
    }

    // MARK: - HTML

    public func html() -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#222;background:#fafafa}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border:1px solid #ddd;text-align:left}
        .grid{display:flex;flex-wrap:wrap;gap:10px}.grid figure{margin:0;text-align:center;font-size:12px}
        .grid img{width:160px;height:auto;image-rendering:pixelated;border:1px solid #ccc;background:#fff}
        pre{background:#fff;border:1px solid #ddd;padding:8px;font-size:12px;overflow:auto;max-height:400px}
        .chart{background:#fff;border:1px solid #ddd}
        </style></head><body>
        <h1>\(escape(title))</h1>

        """
        let totalSeconds = epochs.reduce(0) { $0 + $1.seconds }
        page += "<p>\(epochs.count) epoch(s), \(losses.last.map { "\($0.iteration) iterations" } ?? "no iterations logged"), "
        page += "\(formatSeconds(totalSeconds)) of training.</p>\n"

        page += "<h2>Losses</h2>\n" + lossChart() + "\n"

        for section in sections {
            page += "<h2>\(escape(section.heading))</h2>\n<table>\n"
            for (key, value) in section.rows { page += "<tr><th>\(escape(key))</th><td>\(escape(value))</td></tr>\n" }
            page += "</table>\n"
        }

        for gallery in galleries {
            page += "<h2>\(escape(gallery.heading))</h2>\n<div class=\"grid\">\n"
            for (caption, file) in gallery.images {
                guard let data = try? Data(contentsOf: file) else { continue }
                let type = file.pathExtension.lowercased() == "png" ? "png" : "jpeg"
                page += "<figure><img alt=\"\(escape(caption))\" src=\"data:image/\(type);base64,\(data.base64EncodedString())\">"
                page += "<figcaption>\(escape(caption))</figcaption></figure>\n"
            }
            page += "</div>\n"
        }

        page += "<h2>Samples</h2>\n"
        if epochs.isEmpty { page += "<p>No epoch has finished yet.</p>\n" }
        for summary in epochs.reversed() {
            page += "<h3>Epoch \(summary.epoch)</h3>\n<div class=\"grid\">\n"
            for sample in summary.samples {
                let url = runFolder.appendingPathComponent(sample.file)
                if let data = try? Data(contentsOf: url) {
                    page += "<figure><img alt=\"\(escape(sample.label))\" src=\"data:image/png;base64,\(data.base64EncodedString())\">"
                    page += "<figcaption>\(escape(sample.label))</figcaption></figure>\n"
                } else {
                    page += "<figure><figcaption>\(escape(sample.label)): image missing (\(escape(sample.file)))</figcaption></figure>\n"
                }
            }
            page += "</div>\n"
        }

        page += "<h2>Timing</h2>\n<table><tr><th>epoch</th><th>time</th><th>learning rate</th></tr>\n"
        for summary in epochs {
            page += "<tr><td>\(summary.epoch)</td><td>\(formatSeconds(summary.seconds))</td><td>\(String(format: "%.3g", summary.learningRate))</td></tr>\n"
        }
        page += "</table>\n<h2>Options</h2>\n<pre>\(escape(options))</pre>\n</body></html>\n"
        return page
    }

    /// One small SVG chart per loss (they differ in scale: G_L1 carries λ = 100): the logged values
    /// as a faint line and their moving average (a window of 1/20 of the records) as a bold one.
    func lossChart() -> String {
        let names = Array(Set(losses.flatMap { $0.losses.keys })).sorted()
        guard !names.isEmpty else { return "<p>No losses logged yet.</p>" }
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        var html = "<div class=\"grid\">\n"
        for (index, name) in names.enumerated() {
            let points = losses.compactMap { record -> (Int, Float)? in
                guard let value = record.losses[name], value.isFinite else { return nil }
                return (record.iteration, value)
            }
            html += singleChart(name: name, points: points, color: colors[index % colors.count]) + "\n"
        }
        return html + "</div>"
    }

    func singleChart(name: String, points: [(Int, Float)], color: String) -> String {
        let width = 360.0, height = 180.0, left = 48.0, right = 10.0, top = 22.0, bottom = 24.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<text x=\"\(left)\" y=\"15\" font-size=\"13\" font-weight=\"bold\" fill=\"\(color)\">\(escape(name))</text>"
        guard let first = points.first, let last = points.last else { return svg + "</svg>" }
        var low = points.map(\.1).min()!, high = points.map(\.1).max()!
        if high - low < 1e-6 { high = low + 1 }
        low = Swift.min(low, 0)
        func x(_ iteration: Int) -> Double {
            last.0 == first.0 ? left + plotWidth / 2 : left + plotWidth * Double(iteration - first.0) / Double(last.0 - first.0)
        }
        func y(_ value: Float) -> Double { top + plotHeight * (1 - Double(value - low) / Double(high - low)) }
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>"
        svg += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotHeight)\" stroke=\"#888\"/>"
        for tick in 0...2 {
            let value = low + (high - low) * Float(tick) / 2
            svg += "<text x=\"\(left - 4)\" y=\"\(y(value) + 4)\" font-size=\"10\" text-anchor=\"end\">\(String(format: "%.3g", value))</text>"
        }
        svg += "<text x=\"\(left)\" y=\"\(height - 6)\" font-size=\"10\">\(first.0)</text>"
        svg += "<text x=\"\(left + plotWidth)\" y=\"\(height - 6)\" font-size=\"10\" text-anchor=\"end\">iteration \(last.0)</text>"
        func polyline(_ values: [(Int, Float)], opacity: Double, strokeWidth: Double) -> String {
            if values.count == 1 {
                return "<circle cx=\"\(x(values[0].0))\" cy=\"\(y(values[0].1))\" r=\"3\" fill=\"\(color)\"/>"
            }
            let text = values.map { String(format: "%.1f,%.1f", x($0.0), y($0.1)) }.joined(separator: " ")
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-opacity=\"\(opacity)\" stroke-width=\"\(strokeWidth)\" points=\"\(text)\"/>"
        }
        svg += polyline(points, opacity: 0.3, strokeWidth: 1)
        let window = Swift.max(1, points.count / 20)
        if window > 1 {
            var smoothed: [(Int, Float)] = []
            var sum: Float = 0
            for (i, point) in points.enumerated() {
                sum += point.1
                if i >= window { sum -= points[i - window].1 }
                smoothed.append((point.0, sum / Float(Swift.min(i + 1, window))))
            }
            svg += polyline(smoothed, opacity: 1, strokeWidth: 2)
        }
        return svg + "</svg>"
    }

    func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    func formatSeconds(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1f s", seconds) : String(format: "%.1f min", seconds / 60)
    }
}

/// Atomic writes for run-folder files (temp file in the same folder, fsync, rename).
public enum AtomicWriter {
    public static func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data, to: url)
    }
}

import Tensors
