public import Foundation

/// One entry of the audit log: who changed what, and when (sabakan's audit entry without the
/// HTTP client's address, which a Unix-socket admin API does not have).
public struct AuditRecord: Sendable, Hashable, Codable {
    /// When the change was made (the caller's clock).
    public var ts: Date
    /// The store revision of the change: the revision of the same transaction that made it.
    public var rev: Int64
    /// The Unix user who asked for it (from the admin socket's peer credentials).
    public var user: String
    /// What kind of object changed: `ipam` or `machines`.
    public var category: String
    /// Which object: a serial, or `ipam`.
    public var instance: String
    /// What was done: `set`, `register`, `set-state`, `set-label`, `remove-label`,
    /// `set-retire-date`, `remove`.
    public var action: String
    /// Details for a human: the new state, the label, the assigned index.
    public var detail: String

    /// Creates a record.
    public init(ts: Date, rev: Int64, user: String, category: String, instance: String, action: String, detail: String) {
        self.ts = ts
        self.rev = rev
        self.user = user
        self.category = category
        self.instance = instance
        self.action = action
        self.detail = detail
    }
}
