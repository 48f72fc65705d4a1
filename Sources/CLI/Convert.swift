import ArgumentParser
import Foundation
import Layers
import Networks

extension Tool {
    /// Converts a PyTorch state dict to a self-describing safetensors checkpoint.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert PyTorch .pth weights (e.g. the pretrained CycleGAN/pix2pix generators) to a checkpoint.",
            discussion: """
                Reads the file without Python and without running anything in it (only tensors and the \
                torch names a state dict needs are accepted). The options (channels, ngf, norm, dropout, \
                depth) are read off the tensors; flags override them. The checkpoint records the \
                architecture, so later commands need no architecture flags. Example:
                  translate convert horse2zebra.pth --netG resnet_9blocks -o horse2zebra.safetensors
                BasicSR/Real-ESRGAN files (RealESRGAN_x4plus.pth, realesr-general-x4v3.pth, MSRResNet …) are \
                recognised from their keys (params_ema preferred over params):
                  translate convert RealESRGAN_x4plus.pth
                """)

        @OptionGroup var shared: SharedOptions

        @Argument(help: "A state dict saved by torch.save (zip or legacy format).")
        var input: String

        @OptionGroup var architecture: ArchitectureOptions

        @Option(help: "Entry of a wrapping dict that holds the weights (default: params_ema, params, state_dict, …).")
        var key: String?

        @Option(help: "Direction the generator translates, AtoB or BtoA (recorded for inference).")
        var direction: String?

        @Option(name: [.short, .customLong("output")], help: "Checkpoint to write (default: the input name with .safetensors).")
        var output: String?

        func validate() throws {
            if let direction, !["AtoB", "BtoA"].contains(direction) {
                throw ValidationError("--direction must be AtoB or BtoA, got \(direction)")
            }
            if let output, URL(fileURLWithPath: output).standardizedFileURL == URL(fileURLWithPath: input).standardizedFileURL {
                throw ValidationError("--output must differ from the input file")
            }
        }

        func run() throws {
            shared.apply()
            let source = URL(fileURLWithPath: input)
            let destination = URL(fileURLWithPath: output ?? source.deletingPathExtension().path + ".safetensors")
            var kind = architecture.kind
            if kind == nil {
                let stateDict = try PyTorchCheckpoint.readStateDict(contentsOf: source, key: key)
                guard let detected = StateDictImport.detectKind(from: stateDict.shapes) else {
                    throw ValidationError("cannot tell the architecture of \(input) from its keys; name it with --netG, --netD or --netF")
                }
                print("detected \(detected.name) (\(detected.role)) from the keys")
                kind = detected
            }
            guard let kind else { return }
            var preprocessing: Preprocessing?
            if let direction {
                var settings = Preprocessing()
                settings.direction = direction
                preprocessing = settings
            }
            let conversion = try CheckpointFiles.convert(source, to: destination, kind: kind, key: key,
                                                         preprocessing: preprocessing) { architecture.apply(to: &$0) }
            var note = "\(conversion.format.rawValue) format"
            if let selected = conversion.selectedKey { note += ", weights from '\(selected)'" }
            print("\(source.lastPathComponent) (\(note)) → \(destination.path)")
            print("\(conversion.spec): \(CheckpointFiles.formatted(conversion.parameterCount)) parameters, \(conversion.tensorCount) tensors")
            if let model = conversion.knownModel { print("the architecture of \(model)") }
            if case .generator(let generator) = conversion.spec.kind, generator.isSuperResolution {
                let settings = preprocessing ?? Preprocessing.defaults(for: conversion.spec)
                print("upscales ×\(conversion.spec.scale); input \(settings.inputRange.rawValue), output \(settings.outputRange.rawValue) "
                    + "(recorded in the checkpoint: `translate upscale` needs no flags)")
            }
            if !conversion.droppedKeys.isEmpty {
                print("dropped \(conversion.droppedKeys.count) keys the network does not use (InstanceNorm running statistics, VGG classifier): "
                    + conversion.droppedKeys.prefix(6).joined(separator: ", ") + (conversion.droppedKeys.count > 6 ? ", …" : ""))
            }
        }
    }
}
