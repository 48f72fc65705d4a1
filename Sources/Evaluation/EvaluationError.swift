/// Why two images or two folders could not be compared: bad input from outside, never a bug.
public struct EvaluationError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The images differ in width or height.
        case sizeMismatch
        /// One image is gray, the other RGB.
        case channelMismatch
        /// Too few pixels left after the border crop (SSIM needs 11×11).
        case tooSmall
        /// An image of one side has no partner on the other.
        case missingPair
        /// Two files of one folder claim the same image (`a.png` and `a.jpg`).
        case ambiguous
        /// A folder or file that is not there, or a file and a folder given together.
        case missingInput
        /// A negative border crop or an unknown metric.
        case invalidOptions
        /// The image could not be decoded, or decoded with damage.
        case unreadable
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
