import ArgumentParser
import Foundation
import ImageCodecs

extension Tool {
    /// `translate inspect FILE...`: one line per image, a description per checkpoint.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe image files and checkpoints.",
            discussion: """
                Images (JPEG, PNG; recognised by content): format, width × height as displayed (after \
                the EXIF orientation), channels, bit depth, orientation, and whether EXIF and ICC \
                metadata are present. The image is decoded completely, so truncated and corrupt \
                files are reported. Checkpoints (.safetensors, .pth, .pt): architecture, parameters \
                and metadata.

                A file that cannot be read prints one line with its name and the reason; the exit \
                status is 1 if any file failed.
                """)

        @OptionGroup var shared: SharedOptions

        @Argument(help: "Image or checkpoint files.")
        var files: [String]

        @Option(help: "Refuse images whose header claims more megapixels than this.")
        var maxMegapixels: Double = 100

        mutating func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one file to inspect") }
            if !(maxMegapixels > 0) { throw ValidationError("--max-megapixels must be positive, got \(maxMegapixels)") }
        }

        func run() throws {
            shared.apply()
            var failures = 0
            for file in files {
                let (text, ok) = describe(file)
                if ok {
                    print(text)
                } else {
                    failures += 1
                    FileHandle.standardError.write(Data((text + "\n").utf8))
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }

        /// Routes by extension: checkpoints to their inspector, everything else to the image
        /// inspector (which identifies JPEG and PNG by content, whatever the name).
        func describe(_ file: String) -> (text: String, ok: Bool) {
            switch URL(fileURLWithPath: file).pathExtension.lowercased() {
            case "safetensors", "pth", "pt":
                do {
                    return (try describeCheckpoint(at: URL(fileURLWithPath: file)), true)
                } catch {
                    return ("\(file): error: \(error)", false)
                }
            default:
                return Self.describeImage(file, maxPixels: Int(maxMegapixels * 1_000_000))
            }
        }

        /// One line for an image file; `ok` is false for an unreadable or damaged file.
        static func describeImage(_ file: String, maxPixels: Int) -> (text: String, ok: Bool) {
            let report = ImageReport.inspect(file, options: DecodeOptions(maxPixels: maxPixels, keep16Bit: true))
            let hint = report.error?.code == .tooLarge ? " (--max-megapixels)" : ""
            return (report.line + hint, report.isHealthy)
        }
    }
}
