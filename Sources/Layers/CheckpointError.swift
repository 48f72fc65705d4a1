/// What went wrong reading, writing or applying a checkpoint (`.safetensors` or PyTorch `.pth`).
/// Every message says what to do; `path` names the file when there is one.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public enum Code: Sendable, Equatable {
        /// The file cannot be read or written.
        case io
        /// The bytes are damaged: truncated, bad offsets, bad header.
        case corrupt
        /// A valid file in a variant this tool does not read (TorchScript, big-endian storages, …).
        case unsupported
        /// The file asks to run code or build objects outside the allow-list; nothing was executed.
        case refused
        /// The tensors do not fit the network: missing, unexpected or mis-shaped keys.
        case mismatch
        /// The metadata does not describe a network this tool can build.
        case metadata
    }

    public var code: Code
    public var message: String
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { "\(path ?? "<memory>"): \(message)" }

    /// The same error, naming `path` if it did not name a file yet.
    public func at(_ path: String) -> CheckpointError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}
