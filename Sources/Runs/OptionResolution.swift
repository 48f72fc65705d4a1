import Foundation
import Training

// Option resolution for a training run: the command line read against `TrainOptions.table`, the one
// `resolve` (model first, then model defaults < recipe < flags), and the option part of
// `translate train --help`.

/// Option values from one place: a recipe's `options:` or the command line.
public struct OptionSource: Sendable {
    /// Where the values come from, for errors ("pipelines/labels2scenes.yaml", "command line").
    public var origin: String
    /// Keys as written (any spelling), with their values.
    public var entries: [(key: String, value: String)]
    /// True for the command line: errors then name flags (`--lambda-L1`) rather than keys.
    public var isCommandLine: Bool

    public init(origin: String, entries: [(key: String, value: String)], isCommandLine: Bool = false) {
        self.origin = origin
        self.entries = entries
        self.isCommandLine = isCommandLine
    }

    /// Reads the option flags of `translate train` against the table: `--key value`, `--key=value`, and
    /// on/off options with or without a value (`--no-flip`, `--no-flip false`). Tokens that are not flags
    /// are returned as positional arguments (the recipe).
    /// - Throws: `OptionError` for an unknown flag (naming the nearest one) or a flag without its value.
    public static func commandLine(_ arguments: [String]) throws -> (source: OptionSource, positional: [String]) {
        var entries: [(key: String, value: String)] = []
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let token = arguments[index]
            index += 1
            guard token.hasPrefix("--"), token.count > 2 else {
                if token.hasPrefix("-") && token.count > 1 && Double(token) == nil {
                    throw OptionNames.unknownKey(token, asFlag: true)
                }
                positional.append(token)
                continue
            }
            var name = String(token.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let row = TrainOptions.spec(named: name) else { throw OptionNames.unknownKey(token, asFlag: true) }
            if value == nil {
                if row.isSwitch {
                    // A switch takes a following true/false, and nothing else (that is the recipe).
                    if index < arguments.count, Bool(optionText: arguments[index]) != nil {
                        value = arguments[index]
                        index += 1
                    } else {
                        value = "true"
                    }
                } else {
                    guard index < arguments.count else { throw OptionError("\(row.flag) needs a value (\(row.valueName))") }
                    value = arguments[index]
                    index += 1
                }
            }
            entries.append(("--" + name, value ?? ""))
        }
        return (OptionSource(origin: "command line", entries: entries, isCommandLine: true), positional)
    }
}

extension TrainOptions {
    /// The one resolution: the model first (from the highest-priority source that names one, else
    /// pix2pix), then the model's defaults < each source in order (a recipe, then the command line).
    /// - Throws: `OptionError` for an unknown key or value (naming the nearest valid one) and for an
    ///   option the chosen model does not use.
    public static func resolve(_ sources: [OptionSource]) throws -> TrainOptions {
        var model = Model.pix2pix
        let modelRow = table[0]
        for source in sources.reversed() {
            guard let entry = source.entries.last(where: { spec(named: OptionNames.withoutDashes($0.key))?.key == "model" }) else { continue }
            var probe = TrainOptions()
            do { try probe.set(modelRow, entry.value, spelledAs: entry.key) } catch { throw prefixed(error, source) }
            model = probe.model
            break
        }
        var options = TrainOptions(model: model)
        for source in sources {
            for (key, value) in source.entries {
                let name = OptionNames.withoutDashes(key)
                guard let row = spec(named: name) else {
                    throw prefixed(OptionNames.unknownKey(key, asFlag: source.isCommandLine), source)
                }
                if row.key == "model" { continue }  // chosen above
                let spelling = source.isCommandLine ? row.flag : row.key
                guard row.isUsed(by: model) else {
                    let users = row.models.map(\.rawValue).joined(separator: ", ")
                    throw prefixed(OptionError("\(spelling) is not used by model \(model.rawValue) (only by \(users)); remove it"),
                                   source)
                }
                do { try options.set(row, value, spelledAs: spelling) } catch { throw prefixed(error, source) }
            }
        }
        return options
    }

    static func prefixed(_ error: Error, _ source: OptionSource) -> Error {
        guard !source.isCommandLine, let error = error as? OptionError else { return error }
        return OptionError("\(source.origin): \(error.message)")
    }

    /// The option part of `translate train --help`: one entry per row, by section, with its values,
    /// per-model defaults, the models that use it and its old names.
    public static func helpText() -> String {
        var lines: [String] = []
        var section = ""
        for row in table {
            if row.section != section {
                section = row.section
                lines.append("")
                lines.append("\(section.uppercased()) OPTIONS:")
            }
            let value = row.isSwitch ? "[true|false]" : "<\(row.choices == nil ? row.valueName : row.key)>"
            lines.append("  \(row.flag) \(value)")
            var detail = row.help
            if let choices = row.choices { detail += " One of: \(choices.joined(separator: ", "))." }
            var defaults = "default: \(row.defaultText.isEmpty ? "none" : row.defaultText)"
            for (model, text) in row.modelDefaults where row.isUsed(by: model) { defaults += "; \(model.rawValue): \(text)" }
            detail += " (\(defaults))"
            if row.models.count < Model.allCases.count { detail += " Models: \(row.models.map(\.rawValue).joined(separator: ", "))." }
            if !row.aliases.isEmpty { detail += " Also: \(row.aliases.joined(separator: ", "))." }
            lines.append(contentsOf: wrap(detail, width: 70).map { "        " + $0 })
        }
        return lines.joined(separator: "\n")
    }

    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
