import Foundation
import Layers
import Tensors

/// Converting PyTorch `.pth` files to checkpoints, and describing either kind of file.
public enum CheckpointFiles {
    /// What `convert` did, for the CLI to print.
    public struct Conversion {
        public var spec: NetworkSpec
        public var parameterCount: Int
        public var tensorCount: Int
        public var format: StateDict.Format
        /// The wrapping dict entry the weights came from (`params_ema`), if any.
        public var selectedKey: String?
        /// Keys of the file that were not loaded (InstanceNorm running statistics, VGG classifier).
        public var droppedKeys: [String]
        /// The released model the architecture is that of ("Real-ESRGAN's RealESRGAN_x4plus …"), if any.
        public var knownModel: String?
    }

    /// Reads `source` (a PyTorch state dict), builds the `kind` network it holds with the options
    /// read off its tensors (then `adjust`ed), and writes a self-describing checkpoint to
    /// `destination` atomically.
    public static func convert(_ source: URL, to destination: URL, kind: NetworkKind, key: String? = nil,
                               preprocessing: Preprocessing? = nil, adjust: (inout NetworkSpec) -> Void = { _ in })
        throws -> Conversion {
        let (spec, network, stateDict) = try StateDictImport.importNetwork(contentsOf: source, kind: kind, key: key,
                                                                          adjust: adjust)
        let loaded = Set(network.namedParameters.map(\.name))
        var extra = ["converted_from": source.lastPathComponent]
        if let selected = stateDict.selectedKey { extra["converted_key"] = selected }
        let knownModel = StateDictImport.knownModel(spec)
        if let knownModel { extra["architecture_of"] = knownModel }
        if case .generator(.rrdbnet) = spec.kind {
            extra["upsampling"] = "nearest-neighbour ×2 twice inside the network"
                + (spec.scale < 4 ? ", after a pixel unshuffle by \(4 / spec.scale) of the input" : "")
        }
        let checkpoint = Checkpoint(network: network, spec: spec, preprocessing: preprocessing, extraMetadata: extra)
        try checkpoint.write(to: destination)
        return Conversion(spec: spec, parameterCount: network.parameterCount, tensorCount: checkpoint.tensors.count,
                          format: stateDict.format, selectedKey: stateDict.selectedKey,
                          droppedKeys: stateDict.names.filter { !loaded.contains($0) }, knownModel: knownModel)
    }

    /// A human-readable summary of a `.safetensors` checkpoint or a PyTorch `.pth`: architecture,
    /// parameter count, whether the tensors fit it, and the metadata.
    public static func describe(contentsOf url: URL) throws -> String {
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: 16) ?? Data()
        } catch {
            throw CheckpointError(.io, "cannot read: \(error.localizedDescription)", path: url.path)
        }
        let isSafeTensors = head.count >= 9 && head[head.startIndex + 8] == UInt8(ascii: "{")
        return isSafeTensors ? try describeSafeTensors(url) : try describePyTorch(url)
    }

    static func fileSize(_ url: URL) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
    }

    /// `count` with thousands separators: 11,378,179.
    public static func formatted(_ count: Int) -> String {
        let digits = Array(String(count))
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    private static func describeSafeTensors(_ url: URL) throws -> String {
        let checkpoint = try Checkpoint.read(contentsOf: url)
        var lines = ["\(url.lastPathComponent): safetensors, \(fileSize(url)), \(checkpoint.tensors.count) tensors, "
            + "\(formatted(checkpoint.scalarCount)) scalars"]
        let shapes = Dictionary(checkpoint.tensors.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { a, _ in a })
        if checkpoint.architecture != nil {
            let spec = try checkpoint.networkSpec()
            lines.append("architecture: \(spec.kind.role) \(spec)")
            lines += fitLines(spec: spec, tensors: checkpoint.tensors.map { ($0.name, $0.tensor.shape) })
        } else if let kind = StateDictImport.detectKind(from: shapes), let spec = try? StateDictImport.inferSpec(kind, from: shapes) {
            lines.append("architecture: not recorded; the keys look like a \(kind.role) \(spec)")
        } else {
            lines.append("architecture: not recorded (not written by translate)")
        }
        if let preprocessing = try checkpoint.preprocessingSettings() {
            var parts = ["color \(preprocessing.color)", "input \(preprocessing.inputRange.rawValue)",
                         "output \(preprocessing.outputRange.rawValue)"]
            if let direction = preprocessing.direction { parts.append("direction \(direction)") }
            if let mode = preprocessing.preprocess { parts.append("preprocess \(mode)") }
            if let size = preprocessing.loadSize { parts.append("load_size \(size)") }
            if let size = preprocessing.cropSize { parts.append("crop_size \(size)") }
            lines.append("preprocessing: " + parts.joined(separator: ", "))
        }
        if let step = checkpoint.step { lines.append("step: \(step)") }
        if !checkpoint.trainingOptions.isEmpty {
            lines.append("training options: " + checkpoint.trainingOptions.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        for (key, value) in checkpoint.extraMetadata.sorted(by: { $0.key < $1.key }) { lines.append("\(key): \(value)") }
        return lines.joined(separator: "\n")
    }

    private static func describePyTorch(_ url: URL) throws -> String {
        let stateDict = try PyTorchCheckpoint.readStateDict(contentsOf: url)
        let scalars = stateDict.entries.reduce(0) { $0 + $1.tensor.scalarCount }
        var header = "\(url.lastPathComponent): PyTorch state dict (\(stateDict.format.rawValue) format), \(fileSize(url)), "
            + "\(stateDict.entries.count) tensors, \(formatted(scalars)) scalars"
        if let key = stateDict.selectedKey { header += ", read from '\(key)'" }
        var lines = [header]
        if !stateDict.skipped.isEmpty { lines.append("non-tensor entries skipped: \(stateDict.skipped.joined(separator: ", "))") }
        let shapes = stateDict.shapes
        if let kind = StateDictImport.detectKind(from: shapes) {
            do {
                let spec = try StateDictImport.inferSpec(kind, from: shapes)
                lines.append("architecture (from the keys): \(kind.role) \(spec)")
                lines += fitLines(spec: spec, tensors: stateDict.entries.map { ($0.name, $0.tensor.shape) })
                let flag: String
                switch kind {
                case .generator: flag = "--netG"
                case .discriminator: flag = "--netD"
                case .features: flag = "--netF"
                }
                lines.append("convert with: translate convert \(url.lastPathComponent) \(flag) \(kind.name)")
            } catch let error as CheckpointError {
                lines.append("architecture: keys resemble \(kind.name) but \(error.message)")
            }
        } else {
            lines.append("architecture: not one of translate's networks; first keys: "
                + stateDict.names.prefix(6).joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// "parameters: …" and whether the tensors fit `spec` exactly (after the import quirks).
    private static func fitLines(spec: NetworkSpec, tensors: [(String, Shape)]) -> [String] {
        let network = spec.makeNetwork()
        var lines = ["parameters: \(formatted(network.parameterCount)) trainable"]
        let (mismatch, hint) = StateDictImport.mismatch(tensors.map { ($0.0, $0.1) }, network: network, spec: spec)
        if mismatch.isEmpty {
            let dropped = StateDictImport.quirks(tensors.map { ($0.0, $0.1) }, network: network, spec: spec).dropped.count
            lines.append("tensors: all \(network.namedParameters.count) keys match the architecture"
                + (dropped > 0 ? " (\(dropped) unused keys are dropped: InstanceNorm running statistics, VGG classifier)" : ""))
        } else {
            lines.append("tensors: do not fit the architecture: \(mismatch)" + (hint.map { ". \($0)" } ?? ""))
        }
        return lines
    }
}
