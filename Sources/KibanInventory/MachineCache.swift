import KibanStore
import Synchronization

/// Decoded machines by key and mod revision, so that a query over thousands of machines decodes
/// only those that changed since the last read (JSON decoding was 95% of a full scan).
/// A key's value at one mod revision never changes, so an entry is never stale: a changed
/// machine has a new mod revision and misses.
final class MachineCache: Sendable {
    private let entries = Mutex<[[UInt8]: (modRevision: Int64, machine: Machine)]>([:])

    /// The machines stored in `kvs` (machine keys), decoding only what the cache lacks. When
    /// `complete` (`kvs` is every machine key), entries of machines no longer there are dropped.
    func machines(_ kvs: [KeyValue], complete: Bool = false) throws(InventoryError) -> [Machine] {
        var found: [Machine?] = entries.withLock { cached in
            kvs.map { kv in cached[kv.key].flatMap { $0.modRevision == kv.modRevision ? $0.machine : nil } }
        }
        let missing = found.indices.filter { found[$0] == nil }
        let decoded = try InventoryCodec.machines(missing.map { kvs[$0] })
        for (i, m) in zip(missing, decoded) { found[i] = m }
        let machines = found.compactMap { $0 }
        entries.withLock { cached in
            if complete {
                let live = Set(kvs.map(\.key))
                cached = cached.filter { live.contains($0.key) }
            }
            for (i, m) in zip(missing, decoded) { cached[kvs[i].key] = (kvs[i].modRevision, m) }
        }
        return machines
    }
}
