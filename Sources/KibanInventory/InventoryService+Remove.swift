public import Foundation
import KibanStore

/// Removing a machine: only once it is retired (its disks' keys are gone by then).
extension InventoryService {
    /// Removes the retired machine `serial`, frees its index in the rack, and records it.
    /// - Throws: ``InventoryError`` `notFound`; `notRetired` naming the way to retire it.
    public func remove(_ serial: String, user: String, now: Date) async throws {
        try await checkSchema()
        let key = InventoryKeys.machine(serial)
        for _ in 0..<attemptsMax {
            let count = try await store.get(InventoryKeys.count)
            let read = try await store.range(.key(key))
            guard let kv = read.kvs.first else { throw notFound(serial) }
            let m = try InventoryCodec.decode(Machine.self, kv.value, what: "machine \(serial)")
            guard m.state == .retired else {
                throw InventoryError(.notRetired, "machine \(serial) is \(m.state); only retired machines can be removed (set it to retiring, then retired)")
            }
            let rackKey = InventoryKeys.rack(m.registration.rack)
            let rack = try await store.get(rackKey)
            var indexes =
                try rack.map { kv throws(InventoryError) in
                    try InventoryCodec.decode([String: String].self, kv.value, what: "rack \(m.registration.rack)")
                } ?? [:]
            indexes.removeValue(forKey: String(m.indexInRack))
            let total = count.flatMap { Int(String(decoding: $0.value, as: UTF8.self)) } ?? 1
            let ops: [KibanStore.Operation] =
                [.delete(.key(key))] + indexOperations(old: m, new: nil) + [
                    .put(key: rackKey, value: try InventoryCodec.encode(indexes), lease: 0),
                    .put(key: InventoryKeys.count, value: Array(String(max(total - 1, 0)).utf8), lease: 0),
                    try auditPut(
                        category: "machines", instance: serial, action: "remove",
                        detail: "rack \(m.registration.rack) index \(m.indexInRack)", user: user, now: now),
                ]
            let result = try await store.txn(
                Txn(
                    compares: [
                        Compare(key, .equal, .modRevision(kv.modRevision)),
                        Compare(InventoryKeys.count, .equal, .modRevision(count?.modRevision ?? 0)),
                        Compare(rackKey, .equal, .modRevision(rack?.modRevision ?? 0)),
                    ],
                    success: ops))
            if result.succeeded { return }
        }
        throw lostRaces("removing \(serial)")
    }
}
