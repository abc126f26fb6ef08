/// The one error type of KibanIO: a stable `code` to match on and a `message` that tells the
/// operator what happened and what to do next.
///
/// Expected protocol outcomes (a malformed request, a missing file) are values, not errors; an
/// `IOError` means the runtime itself could not do its work.
public struct IOError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier of what failed; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// io_uring cannot be used on this host (sysctl, seccomp, old kernel).
        public static let ioUringUnavailable = Code(name: "io_uring_unavailable")
        /// A system call failed; `errno` tells which way.
        public static let systemCall = Code(name: "system_call")
        /// An address or option in the configuration is not valid.
        public static let invalidConfiguration = Code(name: "invalid_configuration")
        /// The name of the code, as logged.
        public var description: String { name }
    }

    /// What failed.
    public var code: Code
    /// What happened and what the operator should do, in one or two sentences.
    public var message: String
    /// The `errno` value of a failed system call, if any.
    public var errno: Int32?

    /// Makes an error; `errno` is set for failed system calls.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// `code: message (errno N: text)`.
    public var description: String {
        guard let errno else { return "\(code): \(message)" }
        return "\(code): \(message) (errno \(errno): \(errnoText(errno)))"
    }
}
