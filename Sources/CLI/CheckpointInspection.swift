import Foundation
import Networks

/// The checkpoint part of `translate inspect`: architecture, parameter count, whether the tensors
/// fit it, and the metadata of a `.safetensors` checkpoint or a PyTorch `.pth` state dict.
/// - Throws: `CheckpointError` naming the file when it cannot be read or is damaged.
func describeCheckpoint(at url: URL) throws -> String {
    try CheckpointFiles.describe(contentsOf: url)
}
