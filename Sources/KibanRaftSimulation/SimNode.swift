import KibanRaft

/// One simulated server: a durable disk (log storage and state machine, which survive crashes)
/// and, while it runs, a ``RawNode`` whose memory a crash throws away.
struct SimNode {
    let id: NodeID
    /// The disk: what was persisted from each Ready.
    let storage: MemoryStorage
    /// The durable state machine: the applied entries' data by index (exactly-once: the
    /// applied index is part of it).
    var applied: [UInt64: Entry] = [:]
    var appliedIndex: UInt64 = 0
    /// Nil while crashed.
    var raft: RawNode?
    /// Highest commit index seen from this incarnation (it must never go back).
    var commitSeen: UInt64 = 0

    init(id: NodeID, storage: MemoryStorage) {
        self.id = id
        self.storage = storage
    }

    var isUp: Bool { raft != nil }

    /// Snapshot data: the applied entries up to `index`, encoded.
    func snapshotData(upTo index: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        for i in applied.keys.sorted() where i <= index {
            guard let e = applied[i] else { continue }
            out += SnapshotCodec.encode(e)
        }
        return out
    }

    /// Replaces the state machine by a snapshot's content.
    mutating func restore(_ snapshot: Snapshot) {
        applied = [:]
        for e in SnapshotCodec.decode(snapshot.data) { applied[e.index] = e }
        appliedIndex = snapshot.metadata.index
    }
}

/// The byte format of the simulated state machine's snapshots.
enum SnapshotCodec {
    static func encode(_ e: Entry) -> [UInt8] {
        var out: [UInt8] = []
        for v in [e.index, e.term, UInt64(e.kind.rawValue), UInt64(e.data.count)] {
            out += (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
        }
        return out + e.data
    }

    static func decode(_ bytes: [UInt8]) -> [Entry] {
        var entries: [Entry] = []
        var i = 0
        func word() -> UInt64 {
            defer { i += 8 }
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) }
        }
        while i + 32 <= bytes.count {
            let index = word()
            let term = word()
            let kind = word()
            let count = Int(word())
            let data = Array(bytes[i..<i + count])
            i += count
            entries.append(Entry(term: term, index: index, kind: EntryKind(rawValue: UInt8(kind)) ?? .normal, data: data))
        }
        return entries
    }
}
