import Foundation
import Training
import Yams

/// A pipeline recipe (`pipelines/*.yaml`): a dataset, a model, its options, an evaluation and the
/// inference steps to run after training.
///
/// ```yaml
/// name: labels2scenes
/// description: pix2pix on the synthetic label-map → scene sample
/// dataset: datasets/samples/labels2scenes
/// model: pix2pix
/// options: {netG: unet_128, ngf: 16, n_epochs: 3}
/// evaluation: {split: test}
/// inference:
///   - {input: test, output: translated}
/// ```
public struct Recipe: Sendable, Equatable {
    public struct InferenceStep: Sendable, Equatable {
        /// A folder or file; relative paths are tried against the dataset folder, then the current folder.
        public var input: String
        /// Relative to the run folder unless absolute.
        public var output: String
        /// Which generator translates (`G_A` or `G_B` for cycle_gan; nil: the model's only or forward one).
        public var network: String?
        public init(input: String, output: String, network: String? = nil) {
            self.input = input
            self.output = output
            self.network = network
        }
    }

    /// A measurable check of the inference outputs, shown in the report.
    public enum Check: String, Sendable, Equatable, CaseIterable {
        /// The stripe share of the horse2zebra sample (`SampleMetrics`): testA → G_A should gain
        /// stripes and testB → G_B lose them; needs two inference steps, one per generator.
        case stripeShare = "stripe_share"
    }

    public var name: String
    public var description: String
    public var dataset: String
    public var model: TrainOptions.Model
    /// Option keys and values as written in the recipe (any spelling the options table accepts).
    public var options: [(key: String, value: String)]
    /// The held-out split to evaluate on after training (nil: no evaluation).
    public var evaluationSplit: String?
    public var inference: [InferenceStep]
    /// The file the recipe was read from.
    public var source: URL?
    /// A recipe (name or path) to run instead when `dataset` is not there or incomplete: the CPU
    /// preset on the bundled sample (`horse2zebra` → `horse2zebra-cpu`).
    public var sample: String?
    /// A check of the inference outputs for the report.
    public var check: Check?

    public static func == (a: Recipe, b: Recipe) -> Bool {
        a.name == b.name && a.description == b.description && a.dataset == b.dataset && a.model == b.model
            && a.options.map { "\($0.key)=\($0.value)" } == b.options.map { "\($0.key)=\($0.value)" }
            && a.evaluationSplit == b.evaluationSplit && a.inference == b.inference && a.sample == b.sample && a.check == b.check
    }

    /// Parses recipe YAML. `source` names the file in errors.
    public static func parse(_ text: String, source: URL? = nil) throws -> Recipe {
        let origin = source?.path ?? "<recipe>"
        func fail(_ message: String) -> OptionError { OptionError("\(origin): \(message)") }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw fail("not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else { throw fail("a recipe must be a YAML mapping with name, dataset, model, options") }
        // `recipe` (informational) is what a run folder's train_opt.yaml adds: it is a recipe too.
        let known: Set<String> = ["name", "description", "dataset", "model", "options", "evaluation", "inference", "recipe",
                                   "sample", "check"]
        for key in mapping.keys.compactMap(\.string) where !known.contains(key) {
            let near = OptionNames.nearest(key, in: known.sorted()).map { "did you mean '\($0)'? " } ?? ""
            throw fail("unknown key '\(key)'; \(near)(known: \(known.sorted().joined(separator: ", ")); options go under 'options:')")
        }
        guard let name = mapping["name"]?.string, !name.isEmpty else { throw fail("missing 'name'") }
        guard let dataset = mapping["dataset"]?.string, !dataset.isEmpty else { throw fail("missing 'dataset' (a folder)") }
        guard let modelText = mapping["model"]?.string else { throw fail("missing 'model'") }
        guard let model = TrainOptions.Model(optionText: modelText) else {
            let near = OptionNames.nearest(modelText, in: TrainOptions.Model.allCases.map(\.rawValue)).map { "; did you mean '\($0)'?" } ?? ""
            throw fail("model '\(modelText)' is not one of \(TrainOptions.Model.allCases.map(\.rawValue).joined(separator: ", "))\(near)")
        }
        var options: [(key: String, value: String)] = []
        if let optionNode = mapping["options"] {
            guard let optionMapping = optionNode.mapping else { throw fail("'options' must be a mapping of option: value") }
            for (key, value) in optionMapping {
                guard let k = key.string, let v = value.scalar?.string else {
                    throw fail("option \(key.string ?? "?") must have a single value")
                }
                options.append((k, v))
            }
        }
        var split: String?
        if let evaluation = mapping["evaluation"] {
            guard let s = evaluation.mapping?["split"]?.string else { throw fail("'evaluation' needs a 'split' (e.g. test)") }
            split = s
        }
        var steps: [InferenceStep] = []
        if let inference = mapping["inference"] {
            guard let sequence = inference.sequence else { throw fail("'inference' must be a list of {input, output}") }
            for item in sequence {
                guard let input = item.mapping?["input"]?.string, let output = item.mapping?["output"]?.string else {
                    throw fail("each inference step needs 'input' and 'output'")
                }
                let network = item.mapping?["network"]?.string
                if let network, !["G", "G_A", "G_B"].contains(network) {
                    throw fail("inference step network '\(network)' is not G, G_A or G_B")
                }
                steps.append(InferenceStep(input: input, output: output, network: network))
            }
        }
        var check: Check?
        if let text = mapping["check"]?.string {
            guard let value = Check(rawValue: text) else {
                throw fail("check '\(text)' is not one of \(Check.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            check = value
        }
        var recipe = Recipe(name: name, description: mapping["description"]?.string ?? "", dataset: dataset, model: model,
                            options: options, evaluationSplit: split, inference: steps, source: source)
        recipe.sample = mapping["sample"]?.string
        recipe.check = check
        return recipe
    }

    /// Finds a recipe by path or by name in `pipelines/` (current folder, then beside the executable's
    /// repository) and parses it.
    public static func load(_ nameOrPath: String, searchFolders: [URL]) throws -> Recipe {
        var candidates: [URL] = []
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") || nameOrPath.contains("/") {
            candidates.append(URL(fileURLWithPath: nameOrPath))
        }
        for folder in searchFolders {
            candidates.append(folder.appendingPathComponent("\(nameOrPath).yaml"))
            candidates.append(folder.appendingPathComponent("\(nameOrPath).yml"))
        }
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw OptionError("\(url.path): cannot read the recipe: \(error.localizedDescription)")
            }
            return try parse(text, source: url)
        }
        let available = searchFolders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        }
        throw OptionError("no recipe '\(nameOrPath)' (looked in \(searchFolders.map(\.path).joined(separator: ", "))); "
            + (available.isEmpty ? "pass a path to a .yaml file" : "available: \(Set(available).sorted().joined(separator: ", "))"))
    }

    /// The recipe as an option source: its model, name, dataset folder and `options:`.
    public func optionSource(datasetRoot: String) -> OptionSource {
        OptionSource(origin: source?.path ?? "recipe \(name)",
                     entries: [("model", model.rawValue), ("name", name), ("dataroot", datasetRoot)] + options)
    }

    /// Resolved options: model defaults, then the recipe's options and dataset, then `overrides`
    /// (command-line flags). The model is chosen first: a `--model` flag wins over the recipe's.
    public func resolve(overrides: OptionSource? = nil, datasetRoot: String) throws -> TrainOptions {
        try TrainOptions.resolve([optionSource(datasetRoot: datasetRoot)] + (overrides.map { [$0] } ?? []))
    }

    /// The fully resolved recipe as YAML, stored in the run folder (the reference's train_opt.txt).
    public static func resolvedYAML(recipe: Recipe?, options: TrainOptions) -> String {
        var lines: [String] = []
        lines.append("# Fully resolved options of this run (model defaults < recipe < command line), in the reference's spelling.")
        lines.append("name: \(quote(options.name))")
        if let recipe {
            lines.append("recipe: \(quote(recipe.source?.path ?? recipe.name))")
            if !recipe.description.isEmpty { lines.append("description: \(quote(recipe.description))") }
        }
        lines.append("dataset: \(quote(options.dataroot))")
        lines.append("model: \(options.model.rawValue)")
        lines.append("options:")
        // Only the options this model reads, so that the file is itself a recipe for the same run.
        for row in TrainOptions.table where row.isUsed(by: options.model) && !["name", "dataroot", "model"].contains(row.key) {
            lines.append("  \(row.key): \(quote(options.value(of: row.key) ?? ""))")
        }
        if let split = recipe?.evaluationSplit { lines.append("evaluation:\n  split: \(quote(split))") }
        if let check = recipe?.check { lines.append("check: \(check.rawValue)") }
        if let steps = recipe?.inference, !steps.isEmpty {
            lines.append("inference:")
            for step in steps {
                lines.append("  - input: \(quote(step.input))\n    output: \(quote(step.output))"
                    + (step.network.map { "\n    network: \($0)" } ?? ""))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ text: String) -> String {
        let safe = text.allSatisfy { $0.isLetter || $0.isNumber || "._/-+".contains($0) } && !text.isEmpty
            && !["true", "false", "yes", "no", "null", "on", "off"].contains(text.lowercased())
        if safe && Double(text) == nil { return text }
        if Double(text) != nil || ["true", "false"].contains(text) { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
