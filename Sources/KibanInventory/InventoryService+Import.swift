public import Foundation
import KibanStore

/// Registering machines: all or nothing, in one transaction.
extension InventoryService {
    /// Registers `registrations` (sabakan's machines file, decoded by ``InventoryFormat``):
    /// assigns each an index in its rack, computes its addresses, and stores the machines, the
    /// racks' index bookkeeping, the secondary keys and one audit record per machine in ONE
    /// transaction. Returns the machines added, in input order.
    ///
    /// **Nothing is registered unless everything can be**: every problem (duplicate serial,
    /// second boot server in a rack, full rack, invalid field) is reported at once.
    /// - Throws: ``InventoryError`` `noIPAM`, `invalidMachine` with ``InventoryError/problems``,
    ///   `tooLarge` when the import does not fit one transaction (split the file), `conflict`.
    @discardableResult
    public func importMachines(_ registrations: [MachineRegistration], user: String, now: Date) async throws -> [Machine] {
        try await checkSchema()
        for _ in 0..<attemptsMax {
            // The count is read first: if it is unchanged when the transaction applies, no import
            // or removal happened since, so the machines read after it are still all there are.
            let count = try await store.get(InventoryKeys.count)
            guard let ipamKV = try await store.get(InventoryKeys.ipam) else {
                throw InventoryError(.noIPAM, "no IPAM configuration is set; set one (kiban ipam set FILE) before importing machines")
            }
            let ipam = try InventoryCodec.decode(IPAMConfig.self, ipamKV.value, what: "the IPAM configuration")
            let read = try await store.range(.prefix(InventoryKeys.key(InventoryKeys.machines)))
            let existing = try cache.machines(read.kvs, complete: true)
            let added: [Machine]
            switch Registrar.register(registrations, existing: existing, ipam: ipam, now: now) {
            case .success(let machines): added = machines
            case .failure(let p):
                throw InventoryError(
                    .invalidMachine, "\(p.problems.count) problem\(p.problems.count == 1 ? "" : "s") in the import; nothing was registered",
                    problems: p.problems)
            }
            let ops = try importOperations(added, existing: existing, readRevision: read.revision, user: user, now: now)
            let result = try await store.txn(
                Txn(
                    compares: [
                        Compare(InventoryKeys.count, .equal, .modRevision(count?.modRevision ?? 0)),
                        Compare(InventoryKeys.ipam, .equal, .modRevision(ipamKV.modRevision)),
                    ],
                    success: ops))
            if result.succeeded { return added }
        }
        throw lostRaces("importing machines")
    }

    /// Every write of an import: machines, secondary keys, audit records, the touched racks'
    /// index bookkeeping and the new count.
    func importOperations(
        _ added: [Machine], existing: [Machine], readRevision: Int64,
        user: String, now: Date
    ) throws(InventoryError) -> [KibanStore.Operation] {
        var ops: [KibanStore.Operation] = []
        ops.reserveCapacity(added.count * 4 + 8)
        for m in added {
            ops.append(.put(key: InventoryKeys.machine(m.serial), value: try InventoryCodec.encode(m), lease: 0))
            ops += indexOperations(old: nil, new: m)
            ops.append(
                try auditPut(
                    category: "machines", instance: m.serial,
                    action: "register", detail: "rack \(m.registration.rack) index \(m.indexInRack) role \(m.registration.role)",
                    user: user, now: now))
        }
        let touched = Set(added.map(\.registration.rack))
        let byRack = Dictionary(
            grouping: (existing + added).filter { touched.contains($0.registration.rack) },
            by: \.registration.rack)
        for (rack, inRack) in byRack.sorted(by: { $0.key < $1.key }) {
            ops.append(.put(key: InventoryKeys.rack(rack), value: try rackBookkeeping(inRack), lease: 0))
        }
        ops.append(.put(key: InventoryKeys.count, value: Array(String(existing.count + added.count).utf8), lease: 0))
        let bytes = ops.reduce(0) { total, op in
            guard case .put(let key, let value, _) = op else { return total }
            return total + key.count + value.count + 16
        }
        guard bytes <= transactionBytesMax else {
            throw InventoryError(
                .tooLarge,
                "importing \(added.count) machines writes \(bytes / 1024) KiB, more than one store transaction carries (\(transactionBytesMax / 1024) KiB); split the file into smaller imports"
            )
        }
        return ops
    }

    /// A rack's bookkeeping value: `{"<index>": "<serial>"}`.
    func rackBookkeeping(_ machines: [Machine]) throws(InventoryError) -> [UInt8] {
        try InventoryCodec.encode(Dictionary(uniqueKeysWithValues: machines.map { (String($0.indexInRack), $0.serial) }))
    }

    /// The secondary keys to write and delete when a machine goes from `old` to `new` (nil:
    /// absent). The rack never changes; the state may.
    func indexOperations(old: Machine?, new: Machine?) -> [KibanStore.Operation] {
        var ops: [KibanStore.Operation] = []
        if let old, old.state != new?.state {
            ops.append(.delete(.key(InventoryKeys.byState(old.state, old.serial))))
        }
        if let old, new == nil {
            ops.append(.delete(.key(InventoryKeys.byRack(old.registration.rack, old.serial))))
        }
        if let new, old?.state != new.state {
            ops.append(.put(key: InventoryKeys.byState(new.state, new.serial), value: [], lease: 0))
        }
        if let new, old == nil {
            ops.append(.put(key: InventoryKeys.byRack(new.registration.rack, new.serial), value: [], lease: 0))
        }
        return ops
    }
}
