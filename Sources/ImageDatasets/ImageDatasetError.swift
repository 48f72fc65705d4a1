import ImageCodecs

/// A dataset that cannot be used as given: a missing folder, no usable image, a crop larger
/// than an image, HR/LR files that do not match. Bad bytes inside one file are
/// `ImageCodecError`s instead.
public struct ImageDatasetError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The folder does not exist or is not a folder.
        case missingFolder
        /// No JPEG or PNG that decodes was found.
        case noUsableImages
        /// The crop is larger than the (resized) image.
        case cropTooLarge
        /// Images in one batch differ in size.
        case sizeMismatch
        /// Super-resolution pairs that do not match (missing LR file, wrong scale).
        case unmatchedPair
        /// The file decoded only partly (truncated or corrupt data).
        case damagedImage
        /// Options that cannot work together (crop larger than load size, 2 channels).
        case invalidOptions
    }

    public var code: Code
    public var message: String
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
