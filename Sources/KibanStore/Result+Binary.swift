/// The binary form of results kept in state.db's `requests` table. Tags are part of the format.
extension KeyValue {
    func write(to w: inout ByteWriter) {
        w.data(key)
        w.data(value)
        w.i64(createRevision)
        w.i64(modRevision)
        w.i64(version)
        w.i64(lease)
    }

    init(from r: inout ByteReader) throws(StoreError) {
        self.init(
            key: try r.data(), value: try r.data(), createRevision: try r.i64(),
            modRevision: try r.i64(), version: try r.i64(), lease: try r.i64())
    }
}

extension OperationResult {
    func write(to w: inout ByteWriter) {
        switch self {
        case .put(let previous):
            w.u8(0)
            w.optional(previous) { $1.write(to: &$0) }
        case .delete(let deleted):
            w.u8(1)
            w.array(deleted) { $1.write(to: &$0) }
        case .range(let kvs, let more):
            w.u8(2)
            w.array(kvs) { $1.write(to: &$0) }
            w.bool(more)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        let tag = try r.u8()
        let kv = { (r: inout ByteReader) throws(StoreError) in try KeyValue(from: &r) }
        switch tag {
        case 0: self = .put(previous: try r.optional(kv))
        case 1: self = .delete(deleted: try r.array(kv))
        case 2: self = .range(kvs: try r.array(kv), more: try r.bool())
        default: throw r.unknownTag(tag, "operation result")
        }
    }
}

extension CommandResult {
    func write(to w: inout ByteWriter) {
        switch self {
        case .txn(let t):
            w.u8(0)
            w.bool(t.succeeded)
            w.i64(t.revision)
            w.array(t.results) { $1.write(to: &$0) }
        case .leaseGranted(let id, let ttl):
            w.u8(1)
            w.i64(id)
            w.i64(ttl)
        case .leaseRevoked(let revision):
            w.u8(2)
            w.i64(revision)
        case .compacted(let revision):
            w.u8(3)
            w.i64(revision)
        case .failed(let error):
            w.u8(4)
            w.string(error.code.rawValue)
            w.string(error.message)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        let tag = try r.u8()
        switch tag {
        case 0:
            self = .txn(
                TxnResult(
                    succeeded: try r.bool(), revision: try r.i64(),
                    results: try r.array { (r) throws(StoreError) in try OperationResult(from: &r) }))
        case 1: self = .leaseGranted(id: try r.i64(), ttlSeconds: try r.i64())
        case 2: self = .leaseRevoked(revision: try r.i64())
        case 3: self = .compacted(revision: try r.i64())
        case 4:
            let code = try r.string()
            self = .failed(StoreError(StoreError.Code(rawValue: code) ?? .badRequest, try r.string()))
        default: throw r.unknownTag(tag, "result")
        }
    }

    /// The bytes stored for a retried proposal.
    var encoded: [UInt8] {
        var w = ByteWriter()
        write(to: &w)
        return w.bytes
    }

    /// Decodes ``encoded``.
    init(encoded bytes: [UInt8]) throws(StoreError) {
        var r = ByteReader(bytes)
        try self.init(from: &r)
        guard r.isAtEnd else { throw StoreError(.badRequest, "trailing bytes after a result") }
    }
}
