public import Foundation

/// One entry of the cluster's audit log (docs/security.md, "Audit log"): who did what to
/// which object, from which member, and how it ended. Every subsystem writes this one format
/// under ``AuditLog/prefix``, in the same store transaction as the change it records.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// When (the clock of the member that ran the command).
    public var time: Date
    /// Who asked: the Unix user of the admin socket (`uid=1000(alice) gid=1000(alice)`),
    /// `node:<name>` for an agent, `cluster` for what the cluster did by itself.
    public var actor: String
    /// The member the command came from (the one whose admin socket or peer port received it).
    public var member: String
    /// What was done, dotted from the subsystem down: `token.create`, `member.join`,
    /// `pki.issue`, `inventory.machines.register`.
    public var action: String
    /// What it was done to: a member, token, serial, machine serial, key.
    public var subject: String
    /// Details for a human.
    public var detail: String
    /// `ok`, or what else happened (`partial` for a download cut short).
    public var outcome: String
    /// Set when read: the entry's place in the log, the cursor for the next page.
    public var id: String?
    /// Set when read: the store revision that wrote the entry, which is the change's own.
    public var revision: Int64?

    /// Creates an entry.
    public init(
        time: Date, actor: String, member: String, action: String, subject: String,
        detail: String = "", outcome: String = AuditEntry.ok
    ) {
        self.time = time
        self.actor = actor
        self.member = member
        self.action = action
        self.subject = subject
        self.detail = detail
        self.outcome = outcome
    }

    /// The outcome of a change that was made.
    public static let ok = "ok"

    enum CodingKeys: String, CodingKey { case time, actor, member, action, subject, detail, outcome, id, revision }

    /// Decodes an entry; `time` is RFC 3339 with fractional seconds.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .time)
        guard let time = try? Date(text, strategy: Self.timeFormat) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "\(text) is not an RFC 3339 time")
        }
        self.init(
            time: time, actor: try c.decode(String.self, forKey: .actor), member: try c.decode(String.self, forKey: .member),
            action: try c.decode(String.self, forKey: .action), subject: try c.decode(String.self, forKey: .subject),
            detail: try c.decode(String.self, forKey: .detail), outcome: try c.decode(String.self, forKey: .outcome))
        id = try c.decodeIfPresent(String.self, forKey: .id)
        revision = try c.decodeIfPresent(Int64.self, forKey: .revision)
    }

    /// Encodes an entry; `time` is RFC 3339 with fractional seconds.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(time.formatted(Self.timeFormat), forKey: .time)
        try c.encode(actor, forKey: .actor)
        try c.encode(member, forKey: .member)
        try c.encode(action, forKey: .action)
        try c.encode(subject, forKey: .subject)
        try c.encode(detail, forKey: .detail)
        try c.encode(outcome, forKey: .outcome)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(revision, forKey: .revision)
    }

    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
