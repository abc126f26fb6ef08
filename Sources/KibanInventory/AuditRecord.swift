public import Foundation

/// An inventory entry of the audit log in sabakan's format (`kiban logs`, `GET /v1/logs`):
/// who changed what, and when, without the HTTP client's address, which a Unix-socket admin
/// API does not have. Also the stored format of inventory audit records before the one
/// audit log (``AuditEntry``), read to move them into it.
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
