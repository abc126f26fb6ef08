import KibanNetboot
import KibanStore

/// A removed member cannot withdraw its own presence keys (it no longer writes to the store), so
/// the leader that removed it deletes them, right after the membership change: redirects and
/// replication sources then never name it. One writer, in the order of the removal. Should the
/// leader fail in between, whichever member leads next sweeps keys of non-members
/// (``sweepPresenceOfNonMembers(_:)``).
extension Daemon {
    /// Deletes every `netboot/presence/<sha256>/<member>` key of `member`, in one transaction;
    /// returns how many were deleted.
    @discardableResult
    func deletePresence(of member: String, _ store: Store) async throws(ServerError) -> Int {
        let page = try await storeCall { () throws(StoreError) in
            try await store.range(.prefix(Array(NetbootKeys.presencePrefix.utf8)))
        }
        let suffix = Array(("/" + member).utf8)
        let keys = page.kvs.map(\.key).filter { Self.isPresenceKey($0, ofMember: suffix) }
        guard !keys.isEmpty else { return 0 }
        let deletes = keys.map { KibanStore.Operation.delete(.key($0)) }
        _ = try await storeCall { () throws(StoreError) in try await store.txn(Txn(success: deletes)) }
        return keys.count
    }

    /// True for `netboot/presence/<sha256>/<member>` with exactly this member (`suffix` is
    /// `/<member>`; a hash has no slash, so the key has no other shape).
    static func isPresenceKey(_ key: [UInt8], ofMember suffix: [UInt8]) -> Bool {
        let prefix = NetbootKeys.presencePrefix.utf8.count
        return key.count == prefix + 64 + suffix.count && key.suffix(suffix.count).elementsEqual(suffix)
    }

    /// On the leader: deletes presence keys naming no member record. Presence is read before the
    /// member records, and a member's record is written before it joins (so before it can
    /// write any presence key): a key whose member has no record belongs to a removed member.
    func sweepPresenceOfNonMembers(_ store: Store) async {
        guard await store.status.role == .leader else { return }
        do {
            let page = try await store.range(.prefix(Array(NetbootKeys.presencePrefix.utf8)), consistency: .serializable)
            let names = Set(try await memberRecords(store, consistency: .serializable).map(\.name))
            guard !names.isEmpty else { return }
            let keyStart = NetbootKeys.presencePrefix.utf8.count + 65
            let stale = page.kvs.map(\.key).filter { $0.count > keyStart && !names.contains(String(decoding: $0[keyStart...], as: UTF8.self)) }
            guard !stale.isEmpty else { return }
            _ = try await store.txn(Txn(success: stale.map { KibanStore.Operation.delete(.key($0)) }))
            logger.notice("deleted blob presence keys of members no longer in the cluster", metadata: ["kiban.blobs.count": "\(stale.count)"])
        } catch {
            logger.info("presence sweep deferred", metadata: ["kiban.blobs.error": "\(error)"])
        }
    }
}
