import Foundation
import Layers
import Tensors

extension Checkpoint {
    /// A checkpoint of `network` (built from `spec`) that records the architecture, and the
    /// preprocessing (the spec's defaults unless given), so it can be rebuilt without flags.
    public init(network: any Layer, spec: NetworkSpec, preprocessing: Preprocessing? = nil,
                trainingOptions: [String: String] = [:], step: Int? = nil, extraMetadata: [String: String] = [:]) {
        self.init(network: network, architecture: spec.json,
                  preprocessing: (preprocessing ?? Preprocessing.defaults(for: spec)).json,
                  trainingOptions: trainingOptions, step: step, extraMetadata: extraMetadata)
    }

    /// The architecture recorded in the metadata.
    /// - Throws: `.metadata` when it is missing or does not describe a buildable network.
    public func networkSpec() throws -> NetworkSpec {
        guard let architecture else {
            throw CheckpointError(.metadata, "no architecture in the metadata: this safetensors file was not written by translate; convert PyTorch weights with `translate convert` instead")
        }
        return try NetworkSpec(json: architecture)
    }

    /// The recorded preprocessing, or nil when the file has none.
    public func preprocessingSettings() throws -> Preprocessing? {
        try preprocessing.map { try Preprocessing(json: $0) }
    }

    /// Rebuilds the network from the metadata alone and loads the weights into it.
    /// - Throws: `.metadata` for a missing or bad architecture; `.mismatch` (listing missing,
    ///   unexpected and mis-shaped keys) when the tensors do not fit it.
    public func makeNetwork() throws -> (spec: NetworkSpec, network: any Layer) {
        let spec = try networkSpec()
        let network = spec.makeNetwork()
        try load(into: network)
        return (spec, network)
    }

    /// Reads a checkpoint and rebuilds its network; errors name `url`.
    public static func loadNetwork(contentsOf url: URL) throws -> (spec: NetworkSpec, network: any Layer, checkpoint: Checkpoint) {
        let checkpoint = try Checkpoint.read(contentsOf: url)
        do {
            let (spec, network) = try checkpoint.makeNetwork()
            return (spec, network, checkpoint)
        } catch let error as CheckpointError {
            throw error.at(url.path)
        }
    }
}

extension StateDictImport {
    /// Reads a PyTorch `.pth` and builds the `kind` network it holds: the configuration is read off
    /// the tensors (`inferSpec`), then `adjust` may override options (the CLI's explicit flags),
    /// then the tensors are loaded with the reference quirks handled (`load`).
    /// - Parameter key: the entry of a wrapping dict to read (`params`), when the file holds several.
    public static func importNetwork(contentsOf url: URL, kind: NetworkKind, key: String? = nil,
                                     adjust: (inout NetworkSpec) -> Void = { _ in }) throws
        -> (spec: NetworkSpec, network: any Layer, stateDict: StateDict) {
        let stateDict = try PyTorchCheckpoint.readStateDict(contentsOf: url, key: key)
        do {
            var spec = try inferSpec(kind, from: stateDict.shapes)
            adjust(&spec)
            let problems = spec.problems
            guard problems.isEmpty else { throw CheckpointError(.metadata, problems.joined(separator: "; ")) }
            let network = spec.makeNetwork()
            try load(stateDict.entries, into: network, spec: spec)
            return (spec, network, stateDict)
        } catch let error as CheckpointError {
            throw error.at(url.path)
        }
    }
}
