/// A key-value pair as the admin API shows it (keys and values as UTF-8 text).
public struct KVInfo: Codable, Sendable {
    public var key: String
    public var value: String
    public var createRevision: Int64
    public var modRevision: Int64
    public var version: Int64

    public init(key: String, value: String, createRevision: Int64, modRevision: Int64, version: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
    }
}

/// `PUT /v1/kv`: an unconditional put, or a compare-and-swap when `expectModRevision` is set
/// (0: the key must not exist).
public struct KVPutBody: Codable, Sendable {
    public var key: String
    public var value: String
    public var expectModRevision: Int64?

    public init(key: String, value: String, expectModRevision: Int64? = nil) {
        self.key = key
        self.value = value
        self.expectModRevision = expectModRevision
    }
}

/// The answer to a put: the new revision, or `succeeded: false` when the compare failed.
public struct KVPutResult: Codable, Sendable {
    public var succeeded: Bool
    public var revision: Int64

    public init(succeeded: Bool, revision: Int64) {
        self.succeeded = succeeded
        self.revision = revision
    }
}

/// One watch event as `GET /v1/watch` streams it (one JSON object per line).
public struct WatchEventInfo: Codable, Sendable {
    /// `put` or `delete`.
    public var type: String
    public var key: String
    /// The new value (empty for a delete).
    public var value: String
    /// The revision of the change.
    public var revision: Int64
    public var createRevision: Int64
    public var version: Int64

    public init(type: String, key: String, value: String, revision: Int64, createRevision: Int64, version: Int64) {
        self.type = type
        self.key = key
        self.value = value
        self.revision = revision
        self.createRevision = createRevision
        self.version = version
    }
}

/// The answer to `POST /v1/txn`: which branch ran, the revision after it, and one result per
/// operation of that branch.
public struct TxnAnswer: Codable, Sendable {
    /// One operation's result.
    public struct Result: Codable, Sendable {
        /// `put`, `delete` or `get`.
        public var op: String
        /// put: the key before (absent when new).
        public var previous: KVInfo?
        /// delete: how many keys went.
        public var deleted: Int?
        /// get: the keys read.
        public var kvs: [KVInfo]?

        public init(op: String, previous: KVInfo? = nil, deleted: Int? = nil, kvs: [KVInfo]? = nil) {
            self.op = op
            self.previous = previous
            self.deleted = deleted
            self.kvs = kvs
        }
    }

    public var succeeded: Bool
    public var revision: Int64
    public var results: [Result]

    public init(succeeded: Bool, revision: Int64, results: [Result]) {
        self.succeeded = succeeded
        self.revision = revision
        self.results = results
    }
}
