public import Foundation

/// Which audit entries a listing wants: a time window, an action (or a dotted prefix of one:
/// `token` matches `token.create`), a subject, and where the previous page stopped.
public struct AuditQuery: Sendable, Hashable {
    /// Entries at or after this time.
    public var since: Date?
    /// Entries before this time.
    public var until: Date?
    /// An action, or its dotted prefix.
    public var action: String?
    /// A subject, exactly.
    public var subject: String?
    /// The ``AuditEntry/id`` of the last entry of the previous page.
    public var after: String?
    /// The most entries to return, up to ``AuditLog/pageEntriesMax``.
    public var limit: Int

    /// Creates a query.
    public init(
        since: Date? = nil, until: Date? = nil, action: String? = nil, subject: String? = nil,
        after: String? = nil, limit: Int = AuditLog.pageEntriesMax
    ) {
        self.since = since
        self.until = until
        self.action = action
        self.subject = subject
        self.after = after
        self.limit = min(max(1, limit), AuditLog.pageEntriesMax)
    }

    /// Whether `entry` is wanted (the time window is the key range, checked by the caller).
    public func matches(_ entry: AuditEntry) -> Bool {
        if let action, entry.action != action, !entry.action.hasPrefix(action + ".") { return false }
        if let subject, entry.subject != subject { return false }
        return true
    }

    /// The keys to scan: from after the cursor (or `since`) to `until`.
    var keys: KeyRange {
        var start = since.map(AuditLog.start) ?? AuditLog.prefix
        if let after {
            let cursor = AuditLog.prefix + Array(after.utf8) + [0]
            if start.lexicographicallyPrecedes(cursor) { start = cursor }
        }
        let end = until.map(AuditLog.start) ?? KeyRange.prefix(AuditLog.prefix).end
        return KeyRange(start: start, end: end)
    }
}

/// One page of the audit log, oldest first, and where the next page starts.
public struct AuditPage: Sendable, Hashable, Codable {
    /// The entries.
    public var entries: [AuditEntry]
    /// The cursor to pass as ``AuditQuery/after`` for more; nil at the end of the log.
    public var next: String?

    /// Creates a page.
    public init(entries: [AuditEntry], next: String?) {
        self.entries = entries
        self.next = next
    }
}
