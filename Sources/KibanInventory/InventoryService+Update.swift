public import Foundation
import KibanStore

/// Changing one machine: state, labels, retire date, removal. Each is a compare-on-revision
/// transaction on the machine's key that also writes the secondary keys and the audit record.
extension InventoryService {
    /// Moves the machine to `state` along sabakan's transition table; setting the current
    /// state again changes nothing and writes no record.
    /// - Throws: ``InventoryError`` `notFound`; `illegalTransition` listing the allowed states.
    @discardableResult
    public func setState(_ serial: String, _ state: MachineState, user: String, now: Date) async throws -> Machine {
        try await update(serial, action: "set-state", detail: state.rawValue, user: user, now: now) { m throws(InventoryError) in
            try m.state.check(transitionTo: state)
            guard m.state != state else { return false }
            m.state = state
            m.stateTimestamp = now
            return true
        }
    }

    /// Sets label `key` to `value`.
    @discardableResult
    public func setLabel(_ serial: String, key: String, value: String, user: String, now: Date) async throws -> Machine {
        guard !key.isEmpty else { throw InventoryError(.invalidMachine, "a label needs a name") }
        return try await update(serial, action: "set-label", detail: "\(key)=\(value)", user: user, now: now) { m in
            guard m.registration.labels[key] != value else { return false }
            m.registration.labels[key] = value
            return true
        }
    }

    /// Removes label `key`; removing a label the machine does not have changes nothing.
    @discardableResult
    public func removeLabel(_ serial: String, key: String, user: String, now: Date) async throws -> Machine {
        try await update(serial, action: "remove-label", detail: key, user: user, now: now) { m in
            m.registration.labels.removeValue(forKey: key) != nil
        }
    }

    /// Sets the date the machine is due to retire.
    @discardableResult
    public func setRetireDate(_ serial: String, _ date: Date, user: String, now: Date) async throws -> Machine {
        try await update(serial, action: "set-retire-date", detail: InventoryCodec.rfc3339(date), user: user, now: now) { m in
            guard m.registration.retireDate != date else { return false }
            m.registration.retireDate = date
            return true
        }
    }

    /// Reads the machine, applies `change` (which returns false when nothing changed), and
    /// writes it back with its secondary keys and audit record if its key is unchanged since
    /// the read; retries with the fresh machine otherwise.
    func update(
        _ serial: String, action: String, detail: String, user: String, now: Date,
        _ change: (inout Machine) throws(InventoryError) -> Bool
    ) async throws -> Machine {
        try await checkSchema()
        let key = InventoryKeys.machine(serial)
        for _ in 0..<attemptsMax {
            let read = try await store.range(.key(key))
            guard let kv = read.kvs.first else { throw notFound(serial) }
            let old = try InventoryCodec.decode(Machine.self, kv.value, what: "machine \(serial)")
            var new = old
            guard try change(&new) else { return old }
            let ops: [KibanStore.Operation] =
                [.put(key: key, value: try InventoryCodec.encode(new), lease: 0)]
                + indexOperations(old: old, new: new)
                + [
                    try auditPut(
                        category: "machines", instance: serial, action: action,
                        detail: detail, user: user, now: now)
                ]
            let result = try await store.txn(Txn(compares: [Compare(key, .equal, .modRevision(kv.modRevision))], success: ops))
            if result.succeeded { return new }
        }
        throw lostRaces("\(action) on \(serial)")
    }

    func notFound(_ serial: String) -> InventoryError {
        InventoryError(.notFound, "no machine has serial \(serial); list them with kiban machines get")
    }
}
