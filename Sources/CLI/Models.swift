import ArgumentParser
import Layers
import Networks

extension Tool {
    /// Lists the network kinds with their parameter counts, or counts one configuration.
    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the networks and their parameter counts.",
            discussion: """
                Without --netG/--netD/--netF, lists every kind with its parameter count under default options \
                (ResNets as CycleGAN: instance norm, no dropout; U-Nets as pix2pix: batch norm, dropout; \
                discriminators: instance norm on 3 channels). With one of them, prints the count of that \
                configuration, e.g. `translate models --netD basic --norm batch --input-nc 6` (pix2pix's D).
                """)

        @OptionGroup var shared: SharedOptions
        @OptionGroup var architecture: ArchitectureOptions

        @Flag(help: "Also print every state-dict key with its shape.")
        var keys = false

        func run() throws {
            shared.apply()
            guard let kind = architecture.kind else {
                print(Self.table())
                return
            }
            var spec = NetworkSpec.defaults(for: kind)
            architecture.apply(to: &spec)
            let problems = spec.problems
            guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
            let network = spec.makeNetwork()
            print("\(spec): \(CheckpointFiles.formatted(network.parameterCount)) parameters")
            if keys {
                for (name, parameter) in network.namedParameters {
                    let note = parameter.isTrainable ? "" : "  (buffer)"
                    print("  \(name)  \(parameter.shape)\(note)")
                }
            }
        }

        /// One row per kind: name, parameter count, configuration.
        static func table() -> String {
            var lines: [String] = []
            let sections: [(String, [NetworkKind])] = [
                ("Generators (--netG)", GeneratorKind.allCases.map { .generator($0) }),
                ("Discriminators (--netD)", DiscriminatorKind.allCases.map { .discriminator($0) }),
                ("Feature extractors (--netF)", FeatureExtractorKind.allCases.map { .features($0) }),
            ]
            for (title, kinds) in sections {
                if !lines.isEmpty { lines.append("") }
                lines.append(title)
                for kind in kinds {
                    let spec = NetworkSpec.defaults(for: kind)
                    let count = CheckpointFiles.formatted(spec.parameterCount)
                    let name = kind.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                    let padded = String(repeating: " ", count: max(0, 12 - count.count)) + count
                    let description = spec.description
                    let options = description.drop { $0 != "(" }
                    lines.append("  \(name)\(padded)  \(options)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
