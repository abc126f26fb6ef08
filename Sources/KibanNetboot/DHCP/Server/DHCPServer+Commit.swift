import KibanStore
import Logging

extension DHCPServer {
    /// Commits a lease change as one store transaction that succeeds only if the address's key
    /// still has the mod revision this server decided from (0: no key), so two servers deciding
    /// from the same state cannot both win. Returns true when the change is in the store.
    func commit(_ change: LeaseChange, revision: Int64, _ m: DHCPMessage) async -> Bool {
        let address = change.address
        let key = LeaseRecord.key(address)
        let op: Operation
        switch change {
        case .put(let lease, _): op = .put(key: key, value: LeaseRecord.encode(lease), lease: 0)
        case .remove: op = .delete(.key(key))
        }
        let txn = Txn(compares: [Compare(key, .equal, .modRevision(revision))], success: [op])
        do {
            let result = try await store.txn(txn)
            view.withLock { $0.settle(address, committedAt: result.succeeded ? result.revision : nil) }
            guard result.succeeded else {
                drop(.lostRace, m, "another server changed \(dottedQuad(address)) first")
                return false
            }
            count { $0.committed += 1 }
            return true
        } catch {
            view.withLock { $0.settle(address, committedAt: nil) }
            drop(.storeError, m, "\(error)")
            return false
        }
    }
}
