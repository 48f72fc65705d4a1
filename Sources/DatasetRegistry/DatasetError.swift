/// A dataset could not be listed, downloaded, extracted or verified.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    public enum Code: Sendable, Equatable {
        /// The registry file is missing or malformed, or the name is not in it.
        case registry
        /// The dataset may not be downloaded (licence).
        case refused
        /// HTTP error, no network, a cut connection.
        case download
        /// The archive is damaged or not of the expected type.
        case corrupt
        /// The archive tries to write outside the target, holds a device file, or expands past the limits.
        case unsafe
        /// The extracted folders do not match the registry.
        case incomplete
        /// A file could not be read or written.
        case io
    }

    public var code: Code
    /// What went wrong and what to do.
    public var message: String
    /// The file, folder or URL concerned.
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
