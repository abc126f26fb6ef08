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

    /// Follows the lease prefix from `revision`; when the watch ends (compaction, snapshot
    /// install), lists again and resumes, as an etcd client does.
    func follow(from revision: Int64) async {
        var next = revision
        while !Task.isCancelled {
            do {
                let events = try await store.watch(.prefix(LeaseRecord.prefix), from: next)
                for try await event in events {
                    view.withLock { apply(v: &$0, kv: event.kv, deleted: event.kind == .delete) }
                    next = event.revision + 1
                }
            } catch {
                logger.debug("DHCP lease watch ended; listing again",
                             metadata: ["kiban.dhcp.error": "\(error)"])
            }
            guard !Task.isCancelled else { return }
            do {
                next = try await load() + 1
            } catch {
                // No quorum or shutting down: try again shortly, without spinning.
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    func apply(v: inout LeaseView, kv: KeyValue, deleted: Bool) {
        guard let address = LeaseRecord.address(ofKey: kv.key) else { return }
        // A value this version cannot read (written by a newer Kiban) keeps its address taken.
        let unreadable = DHCPLease(address: address, mac: "", state: .declined, expiresAt: .max)
        let lease = deleted ? nil : LeaseRecord.decode(kv.value) ?? unreadable
        v.apply(address: address, lease: lease, revision: kv.modRevision)
    }
}
