public import Foundation

/// One operation a controller asks a node's agent to perform, idempotent by its ``id``: write a
/// file (content, mode, owner; skipped when the file already has that content hash), act on a
/// systemd unit, or run a command with a time limit. Operations live in the store under the
/// machine's serial; only members write them, and agents read them over mutual TLS, so nothing
/// reaches an agent without a member's authority.
public struct AgentOperation: Sendable, Hashable, Codable {
    /// What to do.
    public enum Action: Sendable, Hashable, Codable {
        /// Write `content` to `path` with `mode` and `owner` (`user:group`).
        case writeFile(path: String, content: Data, mode: UInt16, owner: String)
        /// `systemctl <verb> <unit>`.
        case unit(name: String, verb: UnitVerb)
        /// Run `argv` (no shell), killed after `timeoutSeconds`.
        case command(argv: [String], timeoutSeconds: Int)
    }

    /// The systemctl verbs an operation may use.
    public enum UnitVerb: String, Sendable, Hashable, Codable, CaseIterable {
        case start, stop, restart, reload, enable, disable
    }

    /// Unique per machine; an agent that has recorded a result for this id does not run it again.
    public var id: String
    /// What to do.
    public var action: Action

    /// Creates an operation.
    public init(id: String, action: Action) {
        self.id = id
        self.action = action
    }

    /// The most bytes a written file may have.
    public static let fileBytesMax = 1 << 20

    /// Every reason the operation is refused; empty when it is acceptable.
    public var problems: [String] {
        var p: [String] = []
        if !NodeFacts.isName(id) { p.append("an operation id is 1 to 64 letters, digits, '.', '_' or '-'") }
        switch action {
        case .writeFile(let path, let content, let mode, let owner):
            if !OperationPath.isClean(path) { p.append("path must be absolute, without '.', '..' or '//'") }
            if content.count > Self.fileBytesMax { p.append("a file is at most \(Self.fileBytesMax) bytes") }
            if mode > 0o7777 { p.append("mode must be from 0 to 07777") }
            let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count != 2 || !parts.allSatisfy({ NodeFacts.isName(String($0)) }) { p.append("owner must be user:group") }
        case .unit(let name, _):
            if !NodeFacts.isText(name, max: 256) || name.contains("/") || name.hasPrefix("-") { p.append("'\(name.prefix(64))' is not a unit name") }
        case .command(let argv, let timeout):
            if argv.isEmpty || argv.count > 256 { p.append("a command needs 1 to 256 arguments") }
            if argv.contains(where: { $0.contains("\0") }) { p.append("an argument holds NUL") }
            if !(1...3600).contains(timeout) { p.append("timeout-seconds must be from 1 to 3600") }
        }
        return p
    }
}

/// What an agent reports after an operation.
public struct OperationResult: Sendable, Hashable, Codable {
    /// The operation's id.
    public var id: String
    /// Whether it succeeded.
    public var succeeded: Bool
    /// The exit status of a command (or systemctl), if one ran.
    public var exitStatus: Int32?
    /// The last bytes of its output (at most ``outputMax``), for the operator.
    public var output: String
    /// When the agent finished it.
    public var finished: Date

    /// The most bytes of output kept.
    public static let outputMax = 16 << 10

    /// Creates a result, keeping the last ``outputMax`` bytes of `output`.
    public init(id: String, succeeded: Bool, exitStatus: Int32? = nil, output: String = "", finished: Date) {
        self.id = id
        self.succeeded = succeeded
        self.exitStatus = exitStatus
        let bytes = Array(output.utf8)
        self.output = bytes.count <= Self.outputMax ? output : String(decoding: bytes.suffix(Self.outputMax), as: UTF8.self)
        self.finished = finished
    }
}
