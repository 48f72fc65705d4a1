/// A JPEG or PNG that could not be read or written: bad bytes from outside, never a bug.
///
/// The message says what is wrong and, where it helps, what to do; `description` prefixes
/// the file, so one line names both: `photos/a.jpg: the file ends early (truncated download?)`.
public struct ImageCodecError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        /// The data end before the image is complete (an interrupted download, an empty file).
        case truncated
        /// The bytes are not a valid image of the format they claim (or of any format we know).
        case corrupt
        /// A valid image using a feature this build cannot decode (12-bit JPEG, GIF, WebP).
        case unsupported
        /// The file could not be read or written.
        case io
        /// The header claims more pixels than the configured limit; nothing was allocated.
        case tooLarge
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

    /// The same error attributed to `path` (decoders work on bytes; file readers add the name).
    public func at(_ path: String) -> ImageCodecError {
        var copy = self
        copy.path = path
        return copy
    }
}

/// Damage a decoder worked around: libjpeg decodes truncated and partly corrupt data, filling
/// what is missing with gray. The image is usable but not what the file's author saved.
public struct ImageCodecWarning: Sendable, Equatable, CustomStringConvertible {
    /// `.truncated` or `.corrupt`.
    public var code: ImageCodecError.Code
    public var message: String

    public init(_ code: ImageCodecError.Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// This warning as an error about `path` (what strict loading throws).
    public func error(path: String?) -> ImageCodecError { ImageCodecError(code, message, path: path) }
}
