import ArgumentParser
import DatasetRegistry
import Foundation

extension Tool {
    /// `translate datasets list | fetch`: the official CycleGAN and pix2pix datasets.
    struct Datasets: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List and download the official CycleGAN and pix2pix datasets.",
            discussion: """
                The registry is datasets/registry.yaml (names, URLs and expected folders, as the reference's \
                datasets/download_cyclegan_dataset.sh and download_pix2pix_dataset.sh). `fetch` downloads with \
                resume, extracts safely and installs <dir>/<name> only once it is complete.
                """,
            subcommands: [List.self, Fetch.self])

        /// Where the registry is read from.
        struct RegistryOption: ParsableArguments {
            @Option(help: "The registry file (default: datasets/registry.yaml here or in the translate checkout).")
            var registry: String?

            func load() throws -> DatasetCatalog {
                if let registry { return try DatasetCatalog.load(from: URL(fileURLWithPath: registry)) }
                return try DatasetCatalog.loadDefault()
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the datasets, their layout and whether they are here.")

            @OptionGroup var registry: RegistryOption
            @Option(help: "The folder fetched datasets are in.") var dir = "datasets"

            func run() throws {
                let catalog = try registry.load()
                print(Self.table(catalog, datasetsFolder: URL(fileURLWithPath: dir)))
            }

            /// One line per dataset: name, layout, archive, expected folders, status.
            static func table(_ catalog: DatasetCatalog, datasetsFolder: URL) -> String {
                let header = "name                    layout     archive  folders (images)"
                var lines = [header + String(repeating: " ", count: 34) + "status"]
                for entry in catalog.entries {
                    let folders = entry.folders.isEmpty ? "not documented"
                        : entry.sortedFolders.map { "\($0.name) \($0.count.map(String.init) ?? "?")" }
                            .joined(separator: ", ")
                    let status: String
                    if entry.refused != nil {
                        status = "refused (licence)"
                    } else if DatasetCompleteness.isComplete(
                        datasetsFolder.appendingPathComponent(entry.name), for: entry) {
                        status = "installed"
                    } else {
                        status = "-"
                    }
                    func pad(_ text: String, _ width: Int) -> String {
                        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
                    }
                    lines.append(pad(entry.name, 24) + pad(entry.layout.rawValue, 11) + pad(entry.archive.rawValue, 9)
                                 + pad(folders, 50) + status)
                }
                lines.append("")
                lines.append("Fetch one with `translate datasets fetch NAME` (into \(datasetsFolder.path)/NAME).")
                return lines.joined(separator: "\n")
            }
        }

        struct Fetch: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Download and install a dataset.",
                discussion: """
                    Downloads NAME's archive (resuming a partial download), extracts it refusing absolute paths, \
                    '..' segments, escaping links, device files and oversized expansions, checks the expected \
                    folders and image counts and only then renames it into <dir>/<name>. A complete copy already \
                    there is left as it is. Without network, download the archive elsewhere and pass it with --from.
                    """)

            @Argument(help: "A dataset name from `translate datasets list` (e.g. horse2zebra).") var name: String
            @Option(help: "Folder receiving <name>/ (default: datasets).") var dir = "datasets"
            @Option(help: "A mirror URL, or a .zip / .tar.gz archive already downloaded.") var from: String?
            @Option(help: "Seconds without data before a download gives up.") var timeout: Double = 60
            @OptionGroup var registry: RegistryOption

            func validate() throws {
                if timeout <= 0 { throw ValidationError("--timeout must be positive, got \(timeout)") }
            }

            func run() throws {
                let entry = try registry.load().entry(named: name)
                var fetcher = DatasetFetcher(entry: entry, datasetsFolder: URL(fileURLWithPath: dir), from: from)
                fetcher.timeout = timeout
                switch try fetcher.fetch() {
                case .alreadyComplete(let folder):
                    print("\(entry.name) is already complete in \(folder.path); nothing to do")
                case .installed(let folder):
                    print("\(entry.name) installed in \(folder.path)")
                }
            }
        }
    }
}
