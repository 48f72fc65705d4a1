import Foundation
import Layers
import Tensors

/// Reading architectures off PyTorch state dicts, and loading those state dicts with the
/// reference's quirks handled, so `translate convert x.pth --netG resnet_9blocks` needs no other flag.
public enum StateDictImport {
    // MARK: - Inferring the configuration

    /// The configuration of a `kind` network whose state dict has these shapes: channels, widths,
    /// norm (batch if BN weights are present, instance if the convs before the norms have biases,
    /// none otherwise), ResNet dropout (second block conv at `conv_block.6`), depths and scale.
    /// What the keys cannot tell (U-Net dropout) takes the recipe's default: dropout with batch norm
    /// (pix2pix), none otherwise (CycleGAN's `--no_dropout`).
    /// - Throws: `.mismatch` when a key the kind must have is missing or has an impossible shape.
    public static func inferSpec(_ kind: NetworkKind, from shapes: [String: Shape]) throws -> NetworkSpec {
        func shape(_ key: String, rank: Int = 4) throws -> [Int] {
            guard let found = shapes[key] else {
                let sample = shapes.keys.sorted().prefix(6).joined(separator: ", ")
                throw CheckpointError(.mismatch, "no '\(key)': this is not a \(kind.name) \(kind.role) state dict (its keys begin \(sample))")
            }
            guard found.rank == rank else {
                throw CheckpointError(.mismatch, "'\(key)' has shape \(found), expected rank \(rank) for a \(kind.name) \(kind.role)")
            }
            return found.dimensions
        }
        /// Largest integer N such that `prefix + N + suffix` is a key.
        func lastIndex(_ prefix: String, _ suffix: String) -> Int? {
            shapes.keys.compactMap { key -> Int? in
                guard key.hasPrefix(prefix), key.hasSuffix(suffix) else { return nil }
                return Int(key.dropFirst(prefix.count).dropLast(suffix.count))
            }.max()
        }
        func norm(batchKey: String, biasKey: String) -> NormKind {
            if shapes[batchKey] != nil { return .batch }
            return shapes[biasKey] != nil ? .instance : .none
        }

        var spec = NetworkSpec.defaults(for: kind)
        switch kind {
        case .generator(.resnet6), .generator(.resnet9):
            let first = try shape("model.1.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            guard let lastConv = lastIndex("model.", ".weight") else { throw CheckpointError(.mismatch, "no final conv") }
            spec.outputChannels = try shape("model.\(lastConv).weight")[0]
            spec.norm = norm(batchKey: "model.2.weight", biasKey: "model.1.bias")
            spec.dropout = shapes.keys.contains { $0.hasSuffix(".conv_block.6.weight") }
            let blocks = Set(shapes.keys.filter { $0.contains(".conv_block.") }.map { $0.split(separator: ".")[1] }).count
            if blocks > 0 { spec.blocks = blocks }
        case .generator(.unet128), .generator(.unet256):
            let first = try shape("model.model.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.outputChannels = try shape("model.model.3.weight")[1]  // ConvTranspose2d: [in, out, k, k]
            spec.norm = norm(batchKey: "model.model.1.model.2.weight", biasKey: "model.model.0.bias")
            spec.dropout = spec.norm == .batch
            // Level L's keys have L + 1 "model" components.
            let depth = shapes.keys.map { $0.split(separator: ".").filter { $0 == "model" }.count }.max() ?? 0
            spec.downsamplings = depth - 1
        case .generator(.srresnet):
            let first = try shape("head.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.outputChannels = try shape("tail.weight")[0]
            spec.blocks = (lastIndex("body.", ".conv1.weight") ?? -1) + 1
            let stages = shapes.keys.filter { $0.hasPrefix("upsample.") && $0.hasSuffix(".bias") && shapes[$0]?.rank == 1 }
                .filter { key in shapes[key.replacingOccurrences(of: ".bias", with: ".weight")]?.rank == 4 }.count
            spec.scale = 1 << stages
            spec.norm = shapes["body.0.bn1.weight"] != nil || shapes["trunk.1.weight"] != nil ? .batch : .none
        case .generator(.rrdbnet):
            // conv_first sees C channels at scale 4, 4·C after the pixel unshuffle of scale 2, 16·C at scale 1
            // (Real-ESRGAN: 3, 12, 48, with C = output channels = 3).
            let first = try shape("conv_first.weight")
            spec.baseFilters = first[0]
            spec.outputChannels = try shape("conv_last.weight")[0]
            let unshuffled = first[1], out = spec.outputChannels
            if unshuffled == 16 * out { (spec.scale, spec.inputChannels) = (1, out) }
            else if unshuffled == 4 * out { (spec.scale, spec.inputChannels) = (2, out) }
            else { (spec.scale, spec.inputChannels) = (4, unshuffled) }
            spec.blocks = (lastIndex("body.", ".rdb1.conv1.weight") ?? -1) + 1
            if spec.blocks > 0 { spec.growthChannels = try shape("body.0.rdb1.conv1.weight")[0] }
        case .generator(.srvggnetCompact):
            // body.0 conv, body.1 PReLU, then (conv, PReLU) × num_conv, the last conv to C·scale².
            let first = try shape("body.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.outputChannels = spec.inputChannels
            guard let last = lastIndex("body.", ".weight"), last >= 2, last % 2 == 0 else {
                throw CheckpointError(.mismatch, "the SRVGGNetCompact body must end with a conv at an even index")
            }
            spec.convs = (last - 2) / 2
            let channels = try shape("body.\(last).weight")[0]
            let scale = Int(Double(channels / max(1, spec.outputChannels)).squareRoot().rounded())
            guard scale >= 1, scale * scale * spec.outputChannels == channels else {
                throw CheckpointError(.mismatch, "the last conv 'body.\(last).weight' has \(channels) outputs, not \(spec.outputChannels)·scale²")
            }
            spec.scale = scale
        case .generator(.msrresnet):
            let first = try shape("conv_first.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.outputChannels = try shape("conv_last.weight")[0]
            spec.blocks = (lastIndex("body.", ".conv1.weight") ?? -1) + 1
            if shapes["upconv2.weight"] != nil {
                spec.scale = 4
            } else {
                let channels = try shape("upconv1.weight")[0]
                spec.scale = Int(Double(channels / max(1, spec.baseFilters)).squareRoot().rounded())
                guard spec.scale * spec.scale * spec.baseFilters == channels else {
                    throw CheckpointError(.mismatch, "'upconv1.weight' has \(channels) outputs, not num_feat·scale²")
                }
            }
        case .discriminator(.basic), .discriminator(.nLayers):
            let first = try shape("model.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            let convs = shapes.filter { $0.key.hasPrefix("model.") && $0.key.hasSuffix(".weight") && $0.value.rank == 4 }.count
            spec.layers = convs - 2
            spec.norm = norm(batchKey: "model.3.weight", biasKey: "model.2.bias")
        case .discriminator(.pixel):
            let first = try shape("net.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.norm = norm(batchKey: "net.3.weight", biasKey: "net.2.bias")
        case .discriminator(.srgan):
            let first = try shape("features.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            let dense = try shape("classifier.1.weight", rank: 2)
            // dense input = 8·ndf·(S/16)²
            let cells = dense[1] / max(1, 8 * spec.baseFilters)
            let side = Int(Double(cells).squareRoot().rounded())
            guard side * side * 8 * spec.baseFilters == dense[1] else {
                throw CheckpointError(.mismatch, "'classifier.1.weight' \(dense) does not fit 8·ndf·side² inputs")
            }
            spec.imageSize = side * 16
            spec.norm = shapes["features.3.weight"] != nil ? .batch : .none
        case .features(.vgg19):
            let first = try shape("features.0.weight")
            (spec.baseFilters, spec.inputChannels) = (first[0], first[1])
            spec.outputChannels = spec.baseFilters * 8
        }
        let problems = spec.problems
        guard problems.isEmpty else {
            throw CheckpointError(.mismatch, "the tensors describe an impossible \(kind.name): \(problems.joined(separator: "; "))")
        }
        return spec
    }

    /// The kind of network these keys belong to, or nil when they match none.
    public static func detectKind(from shapes: [String: Shape]) -> NetworkKind? {
        let keys = shapes.keys
        if shapes["model.model.0.weight"] != nil {
            let depth = keys.map { $0.split(separator: ".").filter { $0 == "model" }.count }.max() ?? 0
            return .generator(depth - 1 == 7 ? .unet128 : .unet256)
        }
        if shapes["model.1.weight"]?.dimensions.last == 7, keys.contains(where: { $0.contains(".conv_block.") }) {
            let blocks = Set(keys.filter { $0.contains(".conv_block.") }.map { $0.split(separator: ".")[1] }).count
            return .generator(blocks == 6 ? .resnet6 : .resnet9)
        }
        if shapes["head.0.weight"] != nil, shapes["tail.weight"] != nil { return .generator(.srresnet) }
        if shapes["conv_first.weight"] != nil {
            if shapes["conv_up1.weight"] != nil || shapes["body.0.rdb1.conv1.weight"] != nil { return .generator(.rrdbnet) }
            if shapes["upconv1.weight"] != nil { return .generator(.msrresnet) }
        }
        if shapes["body.0.weight"]?.rank == 4, shapes["body.1.weight"]?.rank == 1, shapes["body.2.weight"]?.rank == 4 {
            return .generator(.srvggnetCompact)
        }
        if shapes["model.0.weight"]?.dimensions.last == 4 {
            let convs = shapes.filter { $0.key.hasPrefix("model.") && $0.key.hasSuffix(".weight") && $0.value.rank == 4 }.count
            return .discriminator(convs == 5 ? .basic : .nLayers)
        }
        if shapes["net.0.weight"] != nil { return .discriminator(.pixel) }
        if shapes["features.0.weight"] != nil {
            if shapes["classifier.3.weight"]?.dimensions.first == 1, shapes["classifier.6.weight"] == nil {
                return .discriminator(.srgan)
            }
            if shapes["features.34.weight"] != nil { return .features(.vgg19) }
        }
        return nil
    }

    /// The released model(s) `spec` has the architecture of ("RealESRGAN_x4plus or RealESRNet_x4plus"),
    /// or nil. The weights may differ: only the architecture is compared.
    public static func knownModel(_ spec: NetworkSpec) -> String? {
        guard spec.inputChannels == 3, spec.outputChannels == 3, spec.baseFilters == 64 else { return nil }
        switch spec.kind {
        case .generator(.rrdbnet) where spec.growthChannels == 32:
            switch (spec.blocks, spec.scale) {
            case (23, 4): return "Real-ESRGAN's RealESRGAN_x4plus or RealESRNet_x4plus (BasicSR's ESRGAN ×4)"
            case (23, 2): return "Real-ESRGAN's RealESRGAN_x2plus"
            case (6, 4): return "Real-ESRGAN's RealESRGAN_x4plus_anime_6B"
            default: return nil
            }
        case .generator(.srvggnetCompact):
            switch (spec.convs, spec.scale) {
            case (32, 4): return "Real-ESRGAN's realesr-general-x4v3 (or realesr-general-wdn-x4v3)"
            case (16, 4): return "Real-ESRGAN's realesr-animevideov3"
            default: return nil
            }
        case .generator(.msrresnet) where spec.blocks == 16:
            return "BasicSR's MSRResNet_x\(spec.scale)"
        default:
            return nil
        }
    }

    // MARK: - Loading

    /// Loads `tensors` (from a `.pth`) into `network` built from `spec`, after the reference's fixes:
    /// - InstanceNorm running statistics (`running_mean`, `running_var`, `num_batches_tracked` of
    ///   modules that have no parameters here) are dropped, as the reference's `load_networks` does
    ///   for pre-0.4 checkpoints such as the pretrained zoo;
    /// - a missing BatchNorm `num_batches_tracked` (PyTorch < 0.4.1) becomes 0;
    /// - torchvision's `classifier.*` is dropped when only the VGG features are wanted.
    /// ConvTranspose2d weights are `[in, out, k, k]` in both layouts and load unchanged.
    /// - Throws: `.mismatch` listing missing, unexpected and mis-shaped keys, with a hint when the
    ///   pattern points to a wrong option (dropout, norm).
    public static func load(_ tensors: [(name: String, tensor: Tensor)], into network: any Layer,
                            spec: NetworkSpec) throws {
        let (dropped, filled) = quirks(tensors.map { ($0.name, $0.tensor.shape) }, network: network, spec: spec)
        let kept = tensors.filter { !dropped.contains($0.name) } + filled.map { ($0.name, Tensor(zeros: $0.shape)) }
        let shapes = Dictionary(kept.map { ($0.name, $0.tensor.shape) }, uniquingKeysWith: { first, _ in first })
        try network.loadState(kept) { mismatch in hint(for: mismatch, spec: spec, shapes: shapes) }
    }

    /// What `load` would report for tensors of these names and shapes, without any tensor data.
    public static func mismatch(_ shapes: [(name: String, shape: Shape)], network: any Layer, spec: NetworkSpec)
        -> (mismatch: StateMismatch, hint: String?) {
        let (dropped, filled) = quirks(shapes, network: network, spec: spec)
        let kept = shapes.filter { !dropped.contains($0.name) } + filled
        let mismatch = network.stateMismatch(with: kept)
        let byName = Dictionary(kept.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        return (mismatch, mismatch.isEmpty ? nil : hint(for: mismatch, spec: spec, shapes: byName))
    }

    /// The keys to drop and the keys to add (with their shapes) for the reference quirks.
    static func quirks(_ shapes: [(name: String, shape: Shape)], network: any Layer, spec: NetworkSpec)
        -> (dropped: Set<String>, filled: [(name: String, shape: Shape)]) {
        let expected = network.namedParameters
        let expectedNames = Set(expected.map(\.name))
        let modules = Set(expected.map { module(of: $0.name) })
        let runningSuffixes = [".running_mean", ".running_var", ".num_batches_tracked"]
        var dropped = Set<String>()
        for (name, _) in shapes {
            let isRunningStat = runningSuffixes.contains { name.hasSuffix($0) }
            if isRunningStat, spec.norm == .instance, !expectedNames.contains(name), !modules.contains(module(of: name)) {
                dropped.insert(name)  // a pre-0.4 InstanceNorm's statistics: no module here has parameters
            }
            if case .features = spec.kind, name.hasPrefix("classifier.") { dropped.insert(name) }
        }
        let given = Set(shapes.map(\.name))
        let filled = expected.filter { $0.name.hasSuffix(".num_batches_tracked") && !given.contains($0.name) }
            .map { ($0.name, $0.parameter.shape) }
        return (dropped, filled)
    }

    /// "model.10.conv_block.1" for "model.10.conv_block.1.weight".
    static func module(of key: String) -> Substring {
        guard let dot = key.lastIndex(of: ".") else { return "" }
        return key[..<dot]
    }

    /// A sentence naming the likely wrong option, from the shape of a mismatch.
    static func hint(for mismatch: StateMismatch, spec: NetworkSpec, shapes: [String: Shape]) -> String? {
        let missing = Set(mismatch.missing), unexpected = Set(mismatch.unexpected)
        // ResNet blocks hold their second conv at conv_block.6 with dropout, at conv_block.5 without.
        if case .generator(let generator) = spec.kind, generator == .resnet6 || generator == .resnet9 {
            let fileHasDropout = shapes.contains { $0.key.hasSuffix(".conv_block.6.weight") && $0.value.rank == 4 }
            let fileHasBlocks = shapes.keys.contains { $0.contains(".conv_block.") }
            if fileHasBlocks, fileHasDropout != spec.dropout {
                return fileHasDropout ? "The file was trained with dropout: convert with --dropout"
                    : "The file was trained without dropout: convert with --no-dropout"
            }
        }
        // Batch norm leaves 1-D weights (γ) and running statistics; instance norm (affine=False) leaves none.
        let hasBatchNorm = unexpected.contains { $0.hasSuffix(".running_mean") }
            || unexpected.contains { $0.hasSuffix(".weight") && shapes[$0]?.rank == 1 }
        if hasBatchNorm, spec.norm != .batch { return "The file has batch-norm layers: use --norm batch" }
        if missing.contains(where: { $0.hasSuffix(".running_mean") }), spec.norm == .batch {
            return "The file has no batch-norm layers: use --norm instance or --norm none"
        }
        let missingBiases = missing.contains { $0.hasSuffix(".bias") }, extraBiases = unexpected.contains { $0.hasSuffix(".bias") }
        if missingBiases, !extraBiases, spec.norm == .instance {
            return "The convolutions have no biases, as with --norm none"
        }
        if extraBiases, !missingBiases, spec.norm == .none { return "The convolutions have biases, as with --norm instance" }
        if !mismatch.misshaped.isEmpty {
            return "Check --ngf/--ndf, --input-nc and --output-nc, or leave them out: they are read off the tensors"
        }
        return nil
    }
}
