import Foundation
import KibanAdminAPI
import KibanInventory
import KibanNodes
import KibanStore

/// The admin side of the disk-key escrow (sabakan's `crypts`): list and delete a machine's
/// keys, and keep a machine with keys from becoming `retired`. The rules are
/// ``KibanNodes/DiskKeyEscrow``'s; this adapts them to the API and the audit log.
extension Daemon {
    /// The devices of `serial` with escrowed keys.
    func diskKeys(serial: String) async throws(ServerError) -> [DiskKeyView] {
        let escrow = try diskKeyEscrow()
        do {
            return try await escrow.list(serial: serial).map { DiskKeyView(device: $0.device, escrowed: $0.escrowed) }
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// Deletes every key of the retiring machine `serial`, audited in the same transaction.
    func deleteDiskKeys(serial: String, caller: Caller) async throws(ServerError) -> DiskKeysDeleted {
        let escrow = try diskKeyEscrow()
        do {
            let audit = try auditPut(caller, "machine.crypts.delete", serial)
            let deleted = try await escrow.delete(serial: serial, alsoWrite: [audit])
            logChange(caller, "machines crypts delete \(serial) (\(deleted) keys)")
            return DiskKeysDeleted(serial: serial, deleted: deleted)
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// Refuses the move of `serial` to `retired` while it has escrowed keys (sabakan's rule).
    func checkRetirable(_ serial: String) async throws(ServerError) {
        let escrow = try diskKeyEscrow()
        let blocker: String?
        do { blocker = try await escrow.retireBlocker(serial: serial) } catch { throw ServerError(answering: error) }
        if let blocker { throw ServerError(.conflict, blocker) }
    }

    func diskKeyEscrow() throws(ServerError) -> DiskKeyEscrow {
        let store = try requireStore()
        guard let kek else {
            throw ServerError(.unavailable, "this member has no key-encryption key yet (it is still joining); retry in a moment")
        }
        return DiskKeyEscrow(store: store, kek: kek)
    }
}
