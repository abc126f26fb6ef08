/// The binary form of requests in log entries (see docs/schema.md, "Proposal encoding").
/// Tags are part of the format: never renumber one; add new cases with new tags.
extension KeyRange {
    func write(to w: inout ByteWriter) {
        w.data(start)
        w.optional(end) { $0.data($1) }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        self.init(start: try r.data(), end: try r.optional { (r) throws(StoreError) in try r.data() })
    }
}

extension Compare {
    func write(to w: inout ByteWriter) {
        w.data(key)
        w.u8(["equal": 0, "notEqual": 1, "less": 2, "greater": 3][relation.rawValue] ?? 0)
        switch target {
        case .value(let v):
            w.u8(0)
            w.data(v)
        case .version(let n):
            w.u8(1)
            w.i64(n)
        case .createRevision(let n):
            w.u8(2)
            w.i64(n)
        case .modRevision(let n):
            w.u8(3)
            w.i64(n)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        let key = try r.data()
        let relations: [Relation] = [.equal, .notEqual, .less, .greater]
        let rel = try r.u8()
        guard Int(rel) < relations.count else { throw r.unknownTag(rel, "relation") }
        let tag = try r.u8()
        let target: Target
        switch tag {
        case 0: target = .value(try r.data())
        case 1: target = .version(try r.i64())
        case 2: target = .createRevision(try r.i64())
        case 3: target = .modRevision(try r.i64())
        default: throw r.unknownTag(tag, "compare target")
        }
        self.init(key, relations[Int(rel)], target)
    }
}

extension Operation {
    func write(to w: inout ByteWriter) {
        switch self {
        case .put(let key, let value, let lease):
            w.u8(0)
            w.data(key)
            w.data(value)
            w.i64(lease)
        case .delete(let range):
            w.u8(1)
            range.write(to: &w)
        case .range(let range, let limit):
            w.u8(2)
            range.write(to: &w)
            w.i64(Int64(limit))
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        let tag = try r.u8()
        switch tag {
        case 0: self = .put(key: try r.data(), value: try r.data(), lease: try r.i64())
        case 1: self = .delete(try KeyRange(from: &r))
        case 2: self = .range(try KeyRange(from: &r), limit: Int(clamping: try r.i64()))
        default: throw r.unknownTag(tag, "operation")
        }
    }
}

extension Command {
    func write(to w: inout ByteWriter) {
        switch self {
        case .txn(let t):
            w.u8(0)
            w.array(t.compares) { $1.write(to: &$0) }
            w.array(t.success) { $1.write(to: &$0) }
            w.array(t.failure) { $1.write(to: &$0) }
        case .leaseGrant(let id, let ttl):
            w.u8(1)
            w.i64(id)
            w.i64(ttl)
        case .leaseRevoke(let id, let expired):
            w.u8(2)
            w.i64(id)
            w.bool(expired)
        case .leaseKeepAlive(let id):
            w.u8(3)
            w.i64(id)
        case .compact(let revision):
            w.u8(4)
            w.i64(revision)
        }
    }

    init(from r: inout ByteReader) throws(StoreError) {
        let tag = try r.u8()
        switch tag {
        case 0:
            self = .txn(
                Txn(
                    compares: try r.array { (r) throws(StoreError) in try Compare(from: &r) },
                    success: try r.array { (r) throws(StoreError) in try Operation(from: &r) },
                    failure: try r.array { (r) throws(StoreError) in try Operation(from: &r) }))
        case 1: self = .leaseGrant(id: try r.i64(), ttlSeconds: try r.i64())
        case 2: self = .leaseRevoke(id: try r.i64(), expired: try r.bool())
        case 3: self = .leaseKeepAlive(id: try r.i64())
        case 4: self = .compact(revision: try r.i64())
        default: throw r.unknownTag(tag, "command")
        }
    }
}
