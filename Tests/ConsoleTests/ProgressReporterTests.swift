import Console
import Testing

@Suite struct ProgressReporterTests {
    final class Sink { var text = "" }

    @Test func linesModeWritesPlainLinesWithCounts() {
        let sink = Sink()
        let progress = ProgressReporter(label: "train", total: 4, unit: "it", style: .lines, lineInterval: 0) { sink.text += $0 }
        for _ in 0..<4 { progress.advance(detail: "G_L1 0.5") }
        progress.finish()
        let lines = sink.text.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("train: 1/4 (25%)"))
        #expect(lines[3].contains("4/4 (100%)"))
        #expect(lines[3].contains("G_L1 0.5"))
        #expect(!sink.text.contains("\u{1B}"))
    }

    @Test func barModeRedrawsOneLine() {
        let sink = Sink()
        let progress = ProgressReporter(label: "apply", total: 2, unit: "images", style: .bar) { sink.text += $0 }
        progress.advance()
        progress.advance()
        progress.finish()
        #expect(sink.text.contains("\r\u{1B}[K"))
        #expect(sink.text.contains("2/2"))
        #expect(sink.text.hasSuffix("\n"))
    }

    @Test func durations() {
        #expect(ProgressReporter.formatDuration(65) == "01:05")
        #expect(ProgressReporter.formatDuration(3723) == "1:02:03")
        #expect(ProgressReporter.formatDuration(.infinity) == "--:--")
    }
}
