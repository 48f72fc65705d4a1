/// Why a batch cannot start, or why one file failed.
public struct InferenceError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The command line cannot work (missing input, outputs overwriting inputs, wrong checkpoint kind).
        case usage
        /// The checkpoint or the image does not fit what the network needs.
        case unsupported
        /// A file could not be read, decoded or written.
        case io
    }

    public var code: Code
    public var message: String
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// A usage error: the command exits with status 2.
    public static func usage(_ message: String) -> InferenceError { InferenceError(.usage, message) }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
