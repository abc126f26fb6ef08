import KibanAdminAPI
import KibanStore

/// `POST /v1/txn` (`kiban kv txn`): a transaction as JSON, like `etcdctl txn`. Keys and values
/// are UTF-8 text. Every compare must hold for `success` to run, else `failure` runs:
///
/// ```json
/// {"compare": [{"key": "leader", "value": "boot-1"},
///              {"key": "epoch", "op": "<", "modRevision": 40},
///              {"key": "lock", "version": 0}],
///  "success": [{"put": {"key": "leader", "value": "boot-2"}},
///              {"delete": {"key": "locks/", "prefix": true}}],
///  "failure": [{"get": {"key": "leader"}}]}
/// ```
///
/// A compare names one key, an `op` (`==` by default, `!=`, `<`, `>`) and exactly one target:
/// `value` (text), `version`, `createRevision` or `modRevision` (numbers). A missing key has
/// an empty value and 0 for the numbers, as in etcd. An operation is exactly one of `put`
/// (`key`, `value`), `delete` or `get` (`key`, optional `prefix`).
public struct TxnBody: Codable, Sendable {
    /// One condition.
    public struct CompareBody: Codable, Sendable {
        public var key: String
        public var op: String?
        public var value: String?
        public var version: Int64?
        public var createRevision: Int64?
        public var modRevision: Int64?
    }

    /// A key, or every key under a prefix.
    public struct KeyBody: Codable, Sendable {
        public var key: String
        public var prefix: Bool?
    }

    /// `put`'s operand.
    public struct PutBody: Codable, Sendable {
        public var key: String
        public var value: String
    }

    /// One operation: exactly one field set.
    public struct OperationBody: Codable, Sendable {
        public var put: PutBody?
        public var delete: KeyBody?
        public var get: KeyBody?
    }

    public var compare: [CompareBody]?
    public var success: [OperationBody]?
    public var failure: [OperationBody]?

    /// Compares or operations per branch beyond this are refused (etcd's `--max-txn-ops`).
    static let itemsMax = 128

    /// The store transaction, or `badRequest` saying what is wrong and where.
    func txn() throws(ServerError) -> Txn {
        let compares = self.compare ?? []
        let success = self.success ?? []
        let failure = self.failure ?? []
        guard compares.count <= Self.itemsMax, success.count <= Self.itemsMax, failure.count <= Self.itemsMax else {
            throw ServerError(.badRequest, "a transaction takes at most \(Self.itemsMax) compares and \(Self.itemsMax) operations per branch")
        }
        guard !success.isEmpty || !failure.isEmpty || !compares.isEmpty else {
            throw ServerError(.badRequest, "the transaction is empty: give compare, success and/or failure (see `kiban kv txn --help`)")
        }
        var out = Txn()
        for (i, c) in compares.enumerated() { out.compares.append(try Self.compare(c, at: "compare[\(i)]")) }
        for (i, o) in success.enumerated() { out.success.append(try Self.operation(o, at: "success[\(i)]")) }
        for (i, o) in failure.enumerated() { out.failure.append(try Self.operation(o, at: "failure[\(i)]")) }
        return out
    }

    private static func compare(_ c: CompareBody, at place: String) throws(ServerError) -> Compare {
        guard !c.key.isEmpty else { throw ServerError(.badRequest, "\(place): key must not be empty") }
        let relation: Compare.Relation
        switch c.op ?? "==" {
        case "==": relation = .equal
        case "!=": relation = .notEqual
        case "<": relation = .less
        case ">": relation = .greater
        case let other: throw ServerError(.badRequest, "\(place): op \(other) is not one of ==, !=, <, >")
        }
        var targets: [Compare.Target] = []
        if let v = c.value { targets.append(.value(Array(v.utf8))) }
        if let v = c.version { targets.append(.version(v)) }
        if let v = c.createRevision { targets.append(.createRevision(v)) }
        if let v = c.modRevision { targets.append(.modRevision(v)) }
        guard targets.count == 1, let target = targets.first else {
            throw ServerError(.badRequest, "\(place): give exactly one of value, version, createRevision, modRevision (found \(targets.count))")
        }
        // A compare reads the key: on a reserved one it would be an oracle for its value.
        try ReservedKeys.checkRead(Array(c.key.utf8), prefix: false)
        return Compare(Array(c.key.utf8), relation, target)
    }

    private static func operation(_ o: OperationBody, at place: String) throws(ServerError) -> KibanStore.Operation {
        switch (o.put, o.delete, o.get) {
        case (let p?, nil, nil):
            guard !p.key.isEmpty else { throw ServerError(.badRequest, "\(place): put needs a key") }
            try ReservedKeys.checkWrite(Array(p.key.utf8), prefix: false)
            return .put(key: Array(p.key.utf8), value: Array(p.value.utf8), lease: 0)
        case (nil, let d?, nil):
            try ReservedKeys.checkWrite(Array(d.key.utf8), prefix: d.prefix ?? false)
            return .delete(try range(d, at: place))
        case (nil, nil, let g?):
            try ReservedKeys.checkRead(Array(g.key.utf8), prefix: g.prefix ?? false)
            return .range(try range(g, at: place), limit: 0)
        default: throw ServerError(.badRequest, "\(place): an operation is exactly one of put, delete, get")
        }
    }

    private static func range(_ k: KeyBody, at place: String) throws(ServerError) -> KeyRange {
        let prefix = k.prefix ?? false
        guard !k.key.isEmpty || prefix else { throw ServerError(.badRequest, "\(place): key must not be empty (or set prefix)") }
        return prefix ? .prefix(Array(k.key.utf8)) : .key(Array(k.key.utf8))
    }
}

extension TxnAnswer {
    init(_ r: TxnResult) {
        self.init(
            succeeded: r.succeeded, revision: r.revision,
            results: r.results.map { result in
                switch result {
                case .put(let previous): Result(op: "put", previous: previous.map(KVInfo.init))
                case .delete(let deleted): Result(op: "delete", deleted: deleted.count)
                case .range(let kvs, _): Result(op: "get", kvs: kvs.filter { !ReservedKeys.isReserved($0.key) }.map(KVInfo.init))
                }
            })
    }
}
