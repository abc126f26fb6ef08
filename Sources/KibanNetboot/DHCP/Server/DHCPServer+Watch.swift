import KibanStore
import Logging

extension DHCPServer {
    /// Lists every lease into the view; returns the revision of the listing.
    func load() async throws(StoreError) -> Int64 {
        let page = try await store.range(.prefix(LeaseRecord.prefix), consistency: .serializable)
        view.withLock { v in
            for kv in page.kvs { apply(v: &v, kv: kv, deleted: false) }
            v.forgetAbsent(Set(page.kvs.compactMap { LeaseRecord.address(ofKey: $0.key) }), listedAt: page.revision)
        }
        return page.revision
    }

    /// Follows the lease prefix after the listing at `revision`; when the watch ends
    /// (compaction, snapshot install, a full buffer), lists again and resumes, as an etcd client
    /// does (``StoreFollower``).
    func follow(after revision: Int64) async {
        var follower = StoreFollower(store: store, range: .prefix(LeaseRecord.prefix))
        follower.ended = { [logger] error in
            logger.debug("DHCP lease watch ended; listing again", metadata: ["kiban.dhcp.error": "\(error)"])
        }
        await follower.run(
            listed: revision, list: { try await self.load() },
            event: { event in
                self.view.withLock { self.apply(v: &$0, kv: event.kv, deleted: event.kind == .delete) }
                return .follow
            })
    }

    func apply(v: inout LeaseView, kv: KeyValue, deleted: Bool) {
        guard let address = LeaseRecord.address(ofKey: kv.key) else { return }
        // A value this version cannot read (written by a newer Kiban) keeps its address taken.
        let unreadable = DHCPLease(address: address, mac: "", state: .declined, expiresAt: .max)
        let lease = deleted ? nil : LeaseRecord.decode(kv.value) ?? unreadable
        v.apply(address: address, lease: lease, revision: kv.modRevision)
    }
}
