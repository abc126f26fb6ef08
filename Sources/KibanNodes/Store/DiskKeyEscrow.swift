public import Foundation
public import KibanCA
import KibanInventory
public import KibanStore

/// A disk's LUKS volume key as the store holds it: sealed under the cluster's key-encryption
/// key, bound to the machine and the device it belongs to.
public struct DiskKeyRecord: Sendable, Hashable, Codable {
    /// The device the key opens, as the agent names it (`nvme0n1`, `by-path-pci-0000:3b:00.0-nvme-1`).
    public var device: String
    /// The sealed key.
    public var sealed: SealedKey
    /// When it was escrowed.
    public var escrowed: Date
}

/// sabakan-cryptsetup's key escrow, done safely: keys are sealed at rest (envelope encryption
/// under the key-encryption key, which is never in the store), kept under `/kiban/` where the kv
/// API cannot reach them, and handed only to the machine whose certificate names that serial.
///
/// sabakan's lifecycle rules: keys are escrowed only for a machine of the inventory that is not
/// `retiring` or `retired` (checked in the escrow's own transaction, so no key arrives after
/// the machine started retiring); they are deleted only while it is `retiring`; and it cannot
/// go `retiring → retired` while keys remain (``retireBlocker(serial:)``).
public struct DiskKeyEscrow: Sendable {
    /// The store the sealed keys live in.
    public let store: Store
    /// The cluster's key-encryption key.
    public let kek: KeyEncryptionKey

    /// Creates the escrow over `store`, sealing with `kek`.
    public init(store: Store, kek: KeyEncryptionKey) {
        self.store = store
        self.kek = kek
    }

    /// The sealing purpose: a key sealed for one machine and device opens for no other.
    static func purpose(_ serial: String, _ device: String) -> String { "kiban-disk-key/\(serial)/\(device)" }

    /// Escrows `key` for `device` of `serial`. A device that already has a key keeps it: the
    /// first key is the one the volume was formatted with.
    /// - Returns: false when a key was already escrowed (nothing changed).
    /// - Throws: ``NodeError`` `invalidInput` for a bad serial, device name or key length;
    ///   `notFound` for a machine not in the inventory; `refused` for one that is retiring or
    ///   retired.
    @discardableResult
    public func escrow(_ key: [UInt8], serial: String, device: String, now: Date) async throws -> Bool {
        try Self.check(serial: serial, device: device)
        guard (16...512).contains(key.count) else { throw NodeError(.invalidInput, "a volume key is 16 to 512 bytes") }
        let record = DiskKeyRecord(
            device: device, sealed: try SealedKey.seal(key, purpose: Self.purpose(serial, device), with: kek),
            escrowed: now)
        let k = NodeKeys.diskKey(serial, device)
        for _ in 0..<Self.attemptsMax {
            let machine = try await acceptingKeys(serial)
            let result = try await store.txn(
                Txn(
                    compares: [machine.unchanged, Compare(k, .equal, .version(0))],
                    success: [.put(key: k, value: Array(try JSONEncoder().encode(record)), lease: 0)]))
            if result.succeeded { return true }
            if try await store.get(k) != nil { return false }
            // The machine changed meanwhile: look at its state again.
        }
        throw NodeError(.refused, "machine \(serial) kept changing while its key was escrowed; retry")
    }

    /// The machine `serial` as read, with a compare on its record.
    /// - Throws: ``NodeError`` `notFound` when it is not in the inventory.
    private func machine(_ serial: String) async throws -> MachineSnapshot {
        try await InventoryService(store: store).existing(serial)
    }

    /// The machine `serial` as read, when it may receive keys.
    private func acceptingKeys(_ serial: String) async throws -> MachineSnapshot {
        try await InventoryService(store: store).inService(serial, refusing: "no disk key is escrowed for a machine leaving service")
    }

    /// How often an escrow is retried when the machine's record changed under it.
    static let attemptsMax = 8

    /// The key of `device` of `serial`, for the machine `requester` (the serial its certificate
    /// names).
    /// - Throws: ``NodeError`` `refused` when the requester is another machine; `notFound` when
    ///   no key is escrowed.
    public func key(serial: String, device: String, requester: String) async throws -> [UInt8] {
        try Self.check(serial: serial, device: device)
        guard requester == serial else {
            throw NodeError(.refused, "machine \(requester) asked for a disk key of \(serial): a machine reads only its own keys")
        }
        guard let record = try await store.record(DiskKeyRecord.self, at: NodeKeys.diskKey(serial, device)) else {
            throw NodeError(.notFound, "no key is escrowed for \(device) of \(serial)")
        }
        return try record.value.sealed.open(purpose: Self.purpose(serial, device), with: kek)
    }

    /// The devices of `serial` that have escrowed keys, with when (never the keys).
    public func list(serial: String) async throws -> [(device: String, escrowed: Date)] {
        try Self.check(serial: serial)
        let read = try await store.range(.prefix(NodeKeys.diskKeys(serial)))
        return try read.kvs.map { kv in
            let record = try JSONDecoder().decode(DiskKeyRecord.self, from: Data(kv.value))
            return (record.device, record.escrowed)
        }
    }

    /// Deletes every key of `serial` (sabakan's rule: only while it is `retiring`), writing
    /// `alsoWrite` (the audit entry) in the same transaction; returns how many there were.
    /// - Throws: ``NodeError`` `notFound` for a machine not in the inventory, `refused` for one
    ///   that is not retiring.
    @discardableResult
    public func delete(serial: String, alsoWrite: [KibanStore.Operation] = []) async throws -> Int {
        try Self.check(serial: serial)
        for _ in 0..<Self.attemptsMax {
            let snapshot = try await machine(serial)
            guard snapshot.machine.state == .retiring else {
                throw NodeError(
                    .refused,
                    "machine \(serial) is \(snapshot.machine.state.rawValue): its disk keys are deleted only while it is retiring (kiban machines set-state \(serial) retiring)"
                )
            }
            let result = try await store.txn(
                Txn(
                    compares: [snapshot.unchanged],
                    success: [.delete(.prefix(NodeKeys.diskKeys(serial)))] + alsoWrite))
            guard result.succeeded else { continue }
            guard case .delete(let deleted)? = result.results.first else { return 0 }
            return deleted.count
        }
        throw NodeError(.refused, "machine \(serial) kept changing while its disk keys were deleted; retry")
    }

    /// Why `serial` may not go `retiring → retired` yet, or nil: keys remain. Safe to check
    /// before the state change: a retiring machine receives no new key.
    public func retireBlocker(serial: String) async throws -> String? {
        let devices = try await list(serial: serial).map(\.device)
        guard !devices.isEmpty else { return nil }
        return
            "machine \(serial) still has disk keys escrowed for \(devices.joined(separator: ", ")); delete them first with kiban machines crypts delete \(serial)"
    }

    static func check(serial: String, device: String) throws(NodeError) {
        try check(serial: serial)
        guard isDeviceName(device) else { throw NodeError(.invalidInput, "a device name is 1 to 128 letters, digits, '.', '_', '-' or ':'") }
    }

    /// Whether `name` may name a device's key: 1 to 128 letters, digits, `.`, `_`, `-` or `:`,
    /// not `.` or `..` (it ends a store key and may name a file).
    public static func isDeviceName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name != "." && name != ".."
            && name.utf8.allSatisfy({ $0.isASCIIAlphanumeric || [UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":")].contains($0) })
    }

    static func check(serial: String) throws(NodeError) {
        guard NodeFacts.isName(serial) else { throw NodeError(.invalidInput, "a serial is 1 to 64 letters, digits, '.', '_' or '-'") }
    }
}
