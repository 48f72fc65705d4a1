import Foundation
import Tensors

/// A self-describing checkpoint: one network's tensors under the reference's state-dict keys in a
/// safetensors file (F32), plus metadata saying how to rebuild and feed the network, so that
/// loading needs no architecture flags. Python's `safetensors` package reads these files.
///
/// Metadata keys (all values are strings, as safetensors requires):
/// - `format`: `translate-checkpoint/1`
/// - `architecture`: JSON written by module Networks (`NetworkSpec`): kind, channels, ngf/ndf, norm, …
/// - `preprocessing`: JSON: how images become the network's input (value range, sizes, direction)
/// - `training_options`: JSON object of the options the run was trained with
/// - `step`: the training iteration the weights come from
/// Other keys are kept as they are in `extraMetadata`.
public struct Checkpoint {
    public static let format = "translate-checkpoint/1"

    /// The metadata keys this type reads and writes.
    public enum Key {
        public static let format = "format"
        public static let architecture = "architecture"
        public static let preprocessing = "preprocessing"
        public static let trainingOptions = "training_options"
        public static let step = "step"
    }

    public var tensors: [(name: String, tensor: Tensor)]
    /// JSON describing the network (see `NetworkSpec` in module Networks); nil for bare tensor files.
    public var architecture: String?
    /// JSON describing the input preprocessing, if recorded.
    public var preprocessing: String?
    /// The options of the training run, by name.
    public var trainingOptions: [String: String]
    /// The training iteration, if recorded.
    public var step: Int?
    /// Any other metadata, kept unchanged.
    public var extraMetadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], architecture: String?, preprocessing: String? = nil,
                trainingOptions: [String: String] = [:], step: Int? = nil, extraMetadata: [String: String] = [:]) {
        self.tensors = tensors
        self.architecture = architecture
        self.preprocessing = preprocessing
        self.trainingOptions = trainingOptions
        self.step = step
        self.extraMetadata = extraMetadata
    }

    /// A checkpoint of `network`'s current parameters and running statistics.
    public init(network: any Layer, architecture: String, preprocessing: String? = nil,
                trainingOptions: [String: String] = [:], step: Int? = nil, extraMetadata: [String: String] = [:]) {
        self.init(tensors: network.stateTensors, architecture: architecture, preprocessing: preprocessing,
                  trainingOptions: trainingOptions, step: step, extraMetadata: extraMetadata)
    }

    // MARK: - Metadata

    /// Every metadata entry as stored in the file.
    public var metadata: [String: String] {
        var result = extraMetadata
        result[Key.format] = Self.format
        if let architecture { result[Key.architecture] = architecture }
        if let preprocessing { result[Key.preprocessing] = preprocessing }
        if !trainingOptions.isEmpty,
           let data = try? JSONSerialization.data(withJSONObject: trainingOptions, options: [.sortedKeys]) {
            result[Key.trainingOptions] = String(decoding: data, as: UTF8.self)
        }
        if let step { result[Key.step] = String(step) }
        return result
    }

    /// Splits decoded safetensors contents into tensors and typed metadata.
    public init(contents: SafeTensors.Contents) throws {
        var extra = contents.metadata
        let format = extra.removeValue(forKey: Key.format)
        if let format, format.hasPrefix("translate-checkpoint/"), format != Self.format {
            throw CheckpointError(.unsupported, "checkpoint format \(format) is newer than this tool reads (\(Self.format)); update translate")
        }
        let architecture = extra.removeValue(forKey: Key.architecture)
        let preprocessing = extra.removeValue(forKey: Key.preprocessing)
        var options: [String: String] = [:]
        if let text = extra.removeValue(forKey: Key.trainingOptions) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw CheckpointError(.metadata, "metadata training_options is not a JSON object")
            }
            for (key, value) in object { options[key] = (value as? String) ?? "\(value)" }
        }
        var step: Int?
        if let text = extra.removeValue(forKey: Key.step) {
            guard let value = Int(text), value >= 0 else {
                throw CheckpointError(.metadata, "metadata step '\(text)' is not a non-negative integer")
            }
            step = value
        }
        self.init(tensors: contents.tensors, architecture: architecture, preprocessing: preprocessing,
                  trainingOptions: options, step: step, extraMetadata: extra)
    }

    // MARK: - Files

    /// Reads and validates a checkpoint (header length, offsets, dtypes, shapes; see `SafeTensors`).
    public static func read(contentsOf url: URL) throws -> Checkpoint {
        let contents: SafeTensors.Contents
        do { contents = try SafeTensors.read(contentsOf: url) } catch let error as SafeTensorsError {
            let code: CheckpointError.Code = error.message.hasPrefix("cannot read") ? .io : .corrupt
            throw CheckpointError(code, error.message, path: url.path)
        }
        do { return try Checkpoint(contents: contents) } catch let error as CheckpointError {
            throw error.at(url.path)
        }
    }

    /// Encodes the checkpoint as safetensors bytes.
    public func encoded() throws -> Data {
        try SafeTensors.encode(SafeTensors.Contents(tensors: tensors, metadata: metadata))
    }

    /// Writes atomically: a temporary file beside `url`, fsync, then rename.
    public func write(to url: URL) throws {
        do { try SafeTensors.write(SafeTensors.Contents(tensors: tensors, metadata: metadata), to: url) } catch let error as SafeTensorsError {
            throw CheckpointError(.io, error.message, path: url.path)
        }
    }

    // MARK: - Applying

    /// Copies the tensors into `network`; throws `.mismatch` listing missing, unexpected and
    /// mis-shaped keys (then nothing is changed).
    public func load(into network: any Layer, hint: (StateMismatch) -> String? = { _ in nil }) throws {
        try network.loadState(tensors, hint: hint)
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    /// The number of scalars in all tensors (parameters and running statistics).
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.tensor.scalarCount } }
}
