/// A blob could not be written, read or verified. The message says what to do.
public struct BlobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public enum Code: String, Sendable, Hashable {
        /// The bytes are not what was promised (size or SHA-256): nothing was kept.
        case mismatch
        /// A file-system call failed (disk full, permissions).
        case io
        /// More bytes than announced.
        case tooLong
        /// The blob quota or the free-space floor refuses the bytes (``BlobSpaceLimits``).
        case noSpace
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
