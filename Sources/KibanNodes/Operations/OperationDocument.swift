import Foundation

/// An operation as an operator writes it for `kiban nodes ops add` (YAML or JSON), exactly one
/// of `write-file`, `unit` or `command`:
///
/// ```yaml
/// - id: kubelet-config
///   write-file: {path: /etc/kubernetes/kubelet.yaml, content: "…", mode: "0644", owner: "root:root"}
/// - id: kubelet-restart
///   unit: {name: kubelet.service, verb: restart}
/// - id: ntp-sync
///   command: [chronyc, makestep]
///   timeout-seconds: 30
/// ```
///
/// A file's content is text (`content`) or base64 (`content-base64`); its mode is an octal
/// string (`"0640"`) or a number, 0644 by default; its owner `root:root` by default. A
/// command's timeout is 60 seconds by default.
public struct OperationDocument: Sendable, Hashable, Codable {
    /// The operation's id.
    public var id: String
    /// A file to write.
    public var writeFile: File?
    /// A unit to act on.
    public var unit: Unit?
    /// A command to run (argv, no shell).
    public var command: [String]?
    /// The command's time limit.
    public var timeoutSeconds: Int?

    /// `write-file`.
    public struct File: Sendable, Hashable, Codable {
        /// The absolute path.
        public var path: String
        /// The content as text.
        public var content: String?
        /// The content as base64.
        public var contentBase64: String?
        /// The mode, octal text or a number.
        public var mode: Mode?
        /// `user:group`.
        public var owner: String?

        enum CodingKeys: String, CodingKey {
            case path, content, mode, owner
            case contentBase64 = "content-base64"
        }
    }

    /// A file mode as an operator writes it: `"0644"` (octal text) or a number.
    public struct Mode: Sendable, Hashable, Codable {
        /// The octal text, as written.
        public var text: String

        /// Reads `"0644"` or `420`.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { text = String(number, radix: 8) } else { text = try container.decode(String.self) }
        }

        /// Writes the octal text.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    /// `unit`.
    public struct Unit: Sendable, Hashable, Codable {
        /// The unit's name.
        public var name: String
        /// What to do with it.
        public var verb: AgentOperation.UnitVerb
    }

    enum CodingKeys: String, CodingKey {
        case id, unit, command
        case writeFile = "write-file"
        case timeoutSeconds = "timeout-seconds"
    }

    /// The operation, or every reason it cannot be one (then each is also checked by
    /// ``AgentOperation/problems`` when queued).
    public func operation() -> Result<AgentOperation, NodeError> {
        var problems: [String] = []
        let label = "operation \(id.prefix(64))"
        let kinds = [writeFile != nil, unit != nil, command != nil].filter { $0 }.count
        if kinds != 1 { problems.append("\(label): give exactly one of write-file, unit or command") }
        if timeoutSeconds != nil && command == nil { problems.append("\(label): timeout-seconds is for a command") }
        var action: AgentOperation.Action?
        if let file = writeFile {
            let content: Data?
            switch (file.content, file.contentBase64) {
            case (let text?, nil): content = Data(text.utf8)
            case (nil, let encoded?): content = Data(base64Encoded: encoded)
            default: content = nil
            }
            if content == nil { problems.append("\(label): give the file's content or content-base64 (valid base64)") }
            let mode = UInt16(file.mode?.text ?? "644", radix: 8)
            if mode == nil { problems.append("\(label): mode is octal, like \"0644\"") }
            if let content, let mode { action = .writeFile(path: file.path, content: content, mode: mode, owner: file.owner ?? "root:root") }
        }
        if let unit { action = .unit(name: unit.name, verb: unit.verb) }
        if let command { action = .command(argv: command, timeoutSeconds: timeoutSeconds ?? 60) }
        guard problems.isEmpty, let action else { return .failure(NodeError(.invalidInput, "\(label) was refused", problems: problems)) }
        return .success(AgentOperation(id: id, action: action))
    }

    /// The operations of `documents`, or one error listing every problem of every document.
    public static func operations(_ documents: [OperationDocument]) throws(NodeError) -> [AgentOperation] {
        var operations: [AgentOperation] = []
        var problems: [String] = []
        for document in documents {
            switch document.operation() {
            case .success(let operation): operations.append(operation)
            case .failure(let error): problems += error.problems
            }
        }
        // The batch's own rules (count, ids, sizes), unless no document became an operation.
        if !operations.isEmpty || documents.isEmpty { problems += NodeOperations.problems(of: operations) }
        guard problems.isEmpty else { throw NodeError(.invalidInput, "the operations were refused", problems: problems) }
        return operations
    }
}
