/// A key and its current value with the revisions etcd keeps for it (etcd `mvccpb.KeyValue`).
public struct KeyValue: Sendable, Hashable, Codable {
    /// The key: any bytes; keys sort as bytes (memcmp), so a prefix is a contiguous range.
    public var key: [UInt8]
    /// The value.
    public var value: [UInt8]
    /// The store revision at which the key was last created (it is reset by a delete).
    public var createRevision: Int64
    /// The store revision of the key's last change.
    public var modRevision: Int64
    /// Number of changes since creation: 1 after the first put; 0 means the key does not exist.
    public var version: Int64
    /// The lease the key is attached to, or 0.
    public var lease: Int64

    /// Creates a key-value record.
    public init(key: [UInt8], value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// One change to one key, as a watcher sees it (etcd `mvccpb.Event`).
public struct WatchEvent: Sendable, Hashable {
    /// A put or a delete.
    public enum Kind: Int64, Sendable, Hashable { case put = 0, delete = 1 }
    /// What happened.
    public var kind: Kind
    /// The key after the put; for a delete, the key with an empty value and the delete's revision.
    public var kv: KeyValue
    /// The store revision of the change (every change of one transaction shares it).
    public var revision: Int64 { kv.modRevision }
}

/// A range of keys: one key, `[start, end)`, or everything from `start` on.
public struct KeyRange: Sendable, Hashable, Codable {
    /// The first key.
    public var start: [UInt8]
    /// The end (exclusive); nil for the single key `start`; `[0]` for every key ≥ `start` (etcd).
    public var end: [UInt8]?

    /// The single key `key`.
    public static func key(_ key: [UInt8]) -> KeyRange { KeyRange(start: key, end: nil) }

    /// Every key beginning with `prefix` (etcd's `GetPrefixRangeEnd`).
    public static func prefix(_ prefix: [UInt8]) -> KeyRange {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return KeyRange(start: prefix, end: end)
            }
            end.removeLast()
        }
        // An empty or all-0xff prefix: every key from `prefix` on.
        return KeyRange(start: prefix, end: [0])
    }

    /// Keys in `[start, end)`.
    public init(start: [UInt8], end: [UInt8]?) {
        self.start = start
        self.end = end
    }

    /// True when `key` lies in the range.
    public func contains(_ key: [UInt8]) -> Bool {
        guard let end else { return key == start }
        guard !key.lexicographicallyPrecedes(start) else { return false }
        return end == [0] || key.lexicographicallyPrecedes(end)
    }
}
