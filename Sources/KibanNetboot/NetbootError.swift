/// A netboot failure the operator must fix: a `code` and a message that says what to do.
public struct NetbootError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        /// A template that does not parse or renders to something unusable.
        public static let invalidTemplate = Code(name: "invalid_template")
        /// A name or value that is not acceptable (a role with `/`, empty kernel parameters).
        public static let invalidInput = Code(name: "invalid_input")
        /// The image, asset, template or parameters asked for do not exist.
        public static let notFound = Code(name: "not_found")
        /// The records forbid the change (an id already used, an assigned image) or changed
        /// while it was being made: the message says what to run next.
        public static let conflict = Code(name: "conflict")
        /// A record in the store that this version cannot read or write.
        public static let unreadable = Code(name: "unreadable")
        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
