import Foundation
import Networks

// MARK: - Values

/// A type an option can have: parsed from and written as text (flags, recipes, `train_opt.yaml`).
public protocol OptionValue: Sendable, Equatable {
    /// The value written as `text`, or nil when `text` is not one.
    init?(optionText text: String)
    /// The value as the text `init?(optionText:)` reads back.
    var optionText: String { get }
    /// What a value looks like, for help and errors ("integer", "number", "path").
    static var valueName: String { get }
    /// The valid values of an enumeration, nil for open types.
    static var choices: [String]? { get }
}

extension OptionValue {
    public static var choices: [String]? { nil }
}

extension Int: OptionValue {
    /// A whole number, or `inf` for no limit (the reference's `max_dataset_size`).
    public init?(optionText text: String) {
        if ["inf", "infinity"].contains(text.lowercased()) { self = .max; return }
        guard let value = Int(text) else { return nil }
        self = value
    }
    public var optionText: String { self == .max ? "inf" : String(self) }
    public static var valueName: String { "integer" }
}

extension UInt64: OptionValue {
    public init?(optionText text: String) {
        guard let value = UInt64(text) else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
    public static var valueName: String { "non-negative integer" }
}

extension Float: OptionValue {
    public init?(optionText text: String) {
        guard let value = Float(text), value.isFinite else { return nil }
        self = value
    }
    public var optionText: String { String(self) }
    public static var valueName: String { "number" }
}

extension Bool: OptionValue {
    public init?(optionText text: String) {
        switch text.lowercased() {
        case "true", "yes", "on", "1": self = true
        case "false", "no", "off", "0": self = false
        default: return nil
        }
    }
    public var optionText: String { self ? "true" : "false" }
    public static var valueName: String { "true|false" }
}

extension String: OptionValue {
    public init?(optionText text: String) { self = text }
    public var optionText: String { self }
    public static var valueName: String { "text" }
}

/// An enumeration option: its raw values are the reference's names. Parsing accepts any case and
/// `-`/`_` spelling of a name (`cyclegan`, `CycleGAN` and `cycle-gan` are `cycle_gan`).
public protocol OptionChoice: OptionValue, RawRepresentable, CaseIterable where RawValue == String {}

extension OptionChoice {
    public init?(optionText text: String) {
        if let exact = Self(rawValue: text) { self = exact; return }
        let wanted = OptionNames.normalized(text)
        guard let match = Self.allCases.first(where: { OptionNames.normalized($0.rawValue) == wanted }) else { return nil }
        self = match
    }
    public var optionText: String { rawValue }
    public static var valueName: String { allCases.map(\.rawValue).joined(separator: "|") }
    public static var choices: [String]? { allCases.map(\.rawValue) }
}

extension TrainOptions.Model: OptionChoice {}
extension TrainOptions.Direction: OptionChoice {}
extension TrainOptions.Preprocess: OptionChoice {}
extension TrainOptions.DatasetMode: OptionChoice {}
extension TrainOptions.InitType: OptionChoice {}
extension TrainOptions.Criterion: OptionChoice {}
extension GeneratorKind: OptionChoice {}
extension DiscriminatorKind: OptionChoice {}
extension NormKind: OptionChoice {}
extension GANMode: OptionChoice {}
extension LearningRatePolicy: OptionChoice {}

// MARK: - One row

/// One training option: its reference name, old names, type, per-model defaults, the models that use
/// it and its help. Adding an option is a stored property in `TrainOptions` (its type and base default)
/// plus one row here; flags, recipe keys, `train_opt.yaml`, checkpoint metadata, help and the
/// "not used by this model" check follow from the row.
public struct OptionSpec: @unchecked Sendable {
    // @unchecked: the closures capture only key paths and constant values; rows are immutable.
    public typealias Model = TrainOptions.Model

    /// The reference's spelling: `netG`, `lambda_L1`, `n_layers_D`, `load_size`.
    public let key: String
    /// Old or alternative names (`fineSize`, `niter`, `which_direction`); camelCase and kebab-case
    /// spellings of `key` are accepted without listing them.
    public let aliases: [String]
    /// The models that read this option; setting it for another model is an error.
    public let models: [Model]
    /// A heading for `--help` ("Networks", "Data").
    public let section: String
    public let help: String
    /// How a value looks ("integer", "unet_256|unet_128|…").
    public let valueName: String
    /// Valid values of an enumeration option, nil for open types.
    public let choices: [String]?
    /// True for on/off options: as a flag, the value may be left out (`--no-flip`).
    public let isSwitch: Bool
    /// The base default and each model's own, as text.
    public let defaultText: String
    public let modelDefaults: [(model: Model, text: String)]

    /// The stored property the row reads and writes.
    public let keyPath: PartialKeyPath<TrainOptions>
    let read: (TrainOptions) -> String
    let write: (inout TrainOptions, String) -> Bool
    let applyDefault: (inout TrainOptions, Model) -> Void

    init<V: OptionValue>(_ key: String, _ path: WritableKeyPath<TrainOptions, V>, section: String, aliases: [String] = [],
                         models: [Model] = Model.allCases, defaults: [Model: V] = [:], help: String) {
        self.key = key
        self.aliases = aliases
        self.models = models
        self.section = section
        self.help = help
        valueName = V.valueName
        choices = V.choices
        isSwitch = V.self == Bool.self
        defaultText = TrainOptions()[keyPath: path].optionText
        modelDefaults = Model.allCases.compactMap { model in defaults[model].map { (model: model, text: $0.optionText) } }
        keyPath = path
        read = { $0[keyPath: path].optionText }
        write = { options, text in
            guard let value = V(optionText: text) else { return false }
            options[keyPath: path] = value
            return true
        }
        applyDefault = { options, model in if let value = defaults[model] { options[keyPath: path] = value } }
    }

    /// The command-line flag: the key with `-` for `_` (`--lambda-L1`, `--n-layers-D`, `--load-size`).
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// The default for `model`, as text.
    public func defaultText(for model: Model) -> String {
        modelDefaults.first { $0.model == model }?.text ?? defaultText
    }

    /// True when `model` reads this option.
    public func isUsed(by model: Model) -> Bool { models.contains(model) }
}

// MARK: - Lookup

extension TrainOptions {
    /// Every key in the reference's spelling, in table order.
    public static var keys: [String] { table.map(\.key) }

    /// The row called `name` in any accepted spelling (`lambda_L1`, `lambda-L1`, `lambdaL1`, an alias), or nil.
    public static func spec(named name: String) -> OptionSpec? {
        let wanted = OptionNames.normalized(name)
        return table.first { row in
            OptionNames.normalized(row.key) == wanted || row.aliases.contains { OptionNames.normalized($0) == wanted }
        }
    }

    /// The value of the option `key` (any spelling) as text, or nil for an unknown key.
    public func value(of key: String) -> String? { Self.spec(named: key)?.read(self) }

    /// Every option as (reference key, text), in table order: the resolved recipe and checkpoint metadata.
    public var resolvedPairs: [(key: String, value: String)] { Self.table.map { ($0.key, $0.read(self)) } }

    /// Sets one option from text (a flag value or a recipe entry), without the model check of `resolve`.
    /// - Throws: `OptionError` naming an unknown key or a bad value and the nearest valid one.
    public mutating func set(_ key: String, _ value: String) throws {
        guard let row = Self.spec(named: key) else { throw OptionNames.unknownKey(key, asFlag: false) }
        try set(row, value, spelledAs: key)
    }

    /// Sets `row` from text; errors name the option as `spelling` (a key or a flag).
    package mutating func set(_ row: OptionSpec, _ value: String, spelledAs spelling: String) throws {
        guard row.write(&self, value) else {
            if row.key == "gan_mode" && value.lowercased() == "wgangp" {
                throw OptionError("\(spelling): wgangp is not supported: its gradient penalty differentiates D's input gradient "
                    + "(a second-order gradient), which this engine does not compute; use lsgan (the CycleGAN default) or vanilla")
            }
            if let choices = row.choices {
                let near = OptionNames.nearest(value, in: choices).map { "; did you mean '\($0)'?" } ?? ""
                throw OptionError("\(spelling): '\(value)' is not one of \(choices.joined(separator: ", "))\(near)")
            }
            throw OptionError("\(spelling): '\(value)' is not a valid \(row.valueName)")
        }
    }
}

// MARK: - Names

/// Spelling-insensitive option names and "did you mean" suggestions.
public enum OptionNames {
    /// Lowercase without `-` and `_`: `lambda_L1`, `lambda-L1` and `lambdaL1` are all `lambdal1`.
    public static func normalized(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "-" && $0 != "_" })
    }

    /// The candidate closest to `text` by edit distance of normalized spellings, if it is close enough
    /// to be a plausible typo (at most a third of the longer name, and at most 3 edits).
    public static func nearest(_ text: String, in candidates: [String]) -> String? {
        let wanted = normalized(text)
        let scored = candidates.map { ($0, editDistance(wanted, normalized($0))) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = Swift.min(3, Swift.max(1, Swift.max(wanted.count, normalized(best.0).count) / 3))
        return best.1 <= limit ? best.0 : nil
    }

    /// Edit distance counting an insertion, a deletion, a substitution or a swap of two neighbours
    /// as one edit (optimal string alignment), so `btach` is one edit from `batch`.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // d[i][j]: distance between the first i characters of a and the first j of b.
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// `--lambda-L1` → `lambda-L1`; keys without dashes are returned as they are.
    package static func withoutDashes(_ key: String) -> String { key.hasPrefix("--") ? String(key.dropFirst(2)) : key }

    /// "unknown option 'lamda_L1'; did you mean 'lambda_L1'?" (flags: "--lamda-L1" … "--lambda-L1").
    package static func unknownKey(_ key: String, asFlag: Bool) -> OptionError {
        let candidates = asFlag ? TrainOptions.table.map(\.flag) : TrainOptions.keys
        let near = nearest(withoutDashes(key), in: candidates).map { "; did you mean '\($0)'?" }
            ?? "; see translate train --help"
        return OptionError("unknown option '\(key)'\(near)")
    }
}
