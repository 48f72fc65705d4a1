import Foundation

/// Progress for long work: a redrawn bar with rate and ETA when standard error is a terminal,
/// plain periodic lines otherwise (logs, CI, pipes).
public final class ProgressReporter {
    public enum Style: Sendable { case bar, lines, silent }

    public let label: String
    public let total: Int
    public let unit: String
    public let style: Style
    /// Seconds between plain lines.
    public let lineInterval: TimeInterval
    private let write: (String) -> Void
    private let start: Date
    private var lastDraw: Date = .distantPast
    private var lastLine: Date
    public private(set) var completed = 0
    /// Units already done before this reporter started (a resumed run); they do not count in the rate.
    public let initial: Int

    /// - Parameters:
    ///   - total: units of work; 0 when unknown.
    ///   - unit: plural noun for the rate ("it", "images").
    ///   - style: nil picks `.bar` on a terminal and `.lines` otherwise.
    ///   - write: where output goes (standard error by default).
    public init(label: String, total: Int, unit: String = "it", style: Style? = nil, lineInterval: TimeInterval = 10,
                initial: Int = 0, write: ((String) -> Void)? = nil) {
        self.initial = initial
        completed = initial
        self.label = label
        self.total = total
        self.unit = unit
        self.style = style ?? (isatty(STDERR_FILENO) != 0 ? .bar : .lines)
        self.lineInterval = lineInterval
        self.write = write ?? { text in FileHandle.standardError.write(Data(text.utf8)) }
        start = Date()
        lastLine = start
    }

    /// Seconds since the reporter was created.
    public var elapsed: TimeInterval { Date().timeIntervalSince(start) }

    /// Units per second so far.
    public var rate: Double { completed > initial ? Double(completed - initial) / Swift.max(elapsed, 1e-9) : 0 }

    /// Records `count` more finished units; `detail` (e.g. current losses) is shown beside the bar.
    public func advance(by count: Int = 1, detail: String = "") {
        completed += count
        let now = Date()
        switch style {
        case .silent:
            return
        case .bar:
            guard now.timeIntervalSince(lastDraw) >= 0.1 || completed == total else { return }
            lastDraw = now
            write("\r\u{1B}[K" + barText(detail: detail))
        case .lines:
            guard now.timeIntervalSince(lastLine) >= lineInterval || completed == total else { return }
            lastLine = now
            write(lineText(detail: detail) + "\n")
        }
    }

    /// Prints a message without garbling the bar.
    public func log(_ message: String) {
        switch style {
        case .silent: return
        case .bar: write("\r\u{1B}[K" + message + "\n")
        case .lines: write(message + "\n")
        }
    }

    /// Ends the bar line.
    public func finish(detail: String = "") {
        switch style {
        case .silent: return
        case .bar: write("\r\u{1B}[K" + barText(detail: detail) + "\n")
        case .lines: write(lineText(detail: detail) + " done\n")
        }
    }

    /// "12:34" or "1:02:03".
    public static func formatDuration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                         : String(format: "%02d:%02d", s / 60, s % 60)
    }

    private var etaText: String {
        guard total > 0, completed > initial else { return "--:--" }
        return Self.formatDuration(Double(total - completed) / rate)
    }

    private var rateText: String {
        rate >= 1 || rate == 0 ? String(format: "%.2f %@/s", rate, unit) : String(format: "%.2f s/%@", 1 / rate, unit)
    }

    func barText(detail: String) -> String {
        let width = 24
        let fraction = total > 0 ? Double(completed) / Double(total) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let counts = total > 0 ? "\(completed)/\(total)" : "\(completed)"
        return "\(label) \(bar) \(counts) \(rateText) ETA \(etaText)" + (detail.isEmpty ? "" : " | \(detail)")
    }

    func lineText(detail: String) -> String {
        let percent = total > 0 ? String(format: " (%.0f%%)", 100 * Double(completed) / Double(total)) : ""
        let counts = total > 0 ? "\(completed)/\(total)" : "\(completed)"
        return "\(label): \(counts)\(percent), \(rateText), elapsed \(Self.formatDuration(elapsed)), ETA \(etaText)"
            + (detail.isEmpty ? "" : ", \(detail)")
    }
}
