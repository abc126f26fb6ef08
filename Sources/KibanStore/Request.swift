/// A condition on one key, checked atomically at the start of a transaction (etcd `Compare`).
/// A missing key has value empty, version 0, create and mod revision 0, as in etcd.
public struct Compare: Sendable, Hashable, Codable {
    /// What the compare reads from the key.
    public enum Target: Sendable, Hashable, Codable {
        case value([UInt8])
        case version(Int64)
        case createRevision(Int64)
        case modRevision(Int64)
    }

    /// How the key's field relates to the operand.
    public enum Relation: String, Sendable, Hashable, Codable { case equal, notEqual, less, greater }

    /// The key compared.
    public var key: [UInt8]
    /// The relation that must hold.
    public var relation: Relation
    /// The field and the operand.
    public var target: Target

    /// Creates a compare: `key`'s field `relation` operand.
    public init(_ key: [UInt8], _ relation: Relation, _ target: Target) {
        self.key = key
        self.relation = relation
        self.target = target
    }
}

/// One operation in a transaction branch (etcd `RequestOp`).
public enum Operation: Sendable, Hashable, Codable {
    /// Sets `key` to `value`, attached to `lease` (0 for none).
    case put(key: [UInt8], value: [UInt8], lease: Int64)
    /// Deletes every key in the range.
    case delete(KeyRange)
    /// Reads keys in the range (at the transaction's point in the history).
    case range(KeyRange, limit: Int)
}

/// A transaction: if every compare holds, `success` runs, else `failure` (etcd `TxnRequest`).
/// All of its changes share one new revision.
public struct Txn: Sendable, Hashable, Codable {
    /// Conditions, all of which must hold.
    public var compares: [Compare]
    /// Operations when they hold.
    public var success: [Operation]
    /// Operations when one does not.
    public var failure: [Operation]

    /// Creates a transaction.
    public init(compares: [Compare] = [], success: [Operation] = [], failure: [Operation] = []) {
        self.compares = compares
        self.success = success
        self.failure = failure
    }
}

/// A change to the state machine, carried in a log entry.
public enum Command: Sendable, Hashable, Codable {
    /// A transaction (a plain put or delete is a transaction without compares).
    case txn(Txn)
    /// Creates a lease. `id` 0 lets the store choose (the entry's log index: deterministic).
    case leaseGrant(id: Int64, ttlSeconds: Int64)
    /// Deletes a lease and every key attached to it (revoked by a client, or expired as the
    /// leader decided).
    case leaseRevoke(id: Int64, expired: Bool)
    /// Restarts a lease's TTL. Replicated, so that whichever member leads next knows it.
    case leaseKeepAlive(id: Int64)
    /// Forgets the history before `revision` (etcd `Compact`).
    case compact(revision: Int64)
}

/// The result of one operation of a transaction.
public enum OperationResult: Sendable, Hashable, Codable {
    /// The key before the put, when it existed.
    case put(previous: KeyValue?)
    /// The keys deleted.
    case delete(deleted: [KeyValue])
    /// The keys read and whether more matched past the limit.
    case range(kvs: [KeyValue], more: Bool)
}

/// What applying a ``Txn`` did.
public struct TxnResult: Sendable, Hashable, Codable {
    /// Whether the compares held (so `success` ran).
    public var succeeded: Bool
    /// The store revision after the transaction.
    public var revision: Int64
    /// One result per operation of the branch that ran.
    public var results: [OperationResult]
}

/// What applying a ``Command`` did; replayed to a retried proposal unchanged.
public enum CommandResult: Sendable, Hashable, Codable {
    case txn(TxnResult)
    case leaseGranted(id: Int64, ttlSeconds: Int64)
    case leaseRevoked(revision: Int64)
    case compacted(revision: Int64)
    /// The command was refused (unknown lease, bad compaction revision); nothing changed.
    case failed(StoreError)
}
