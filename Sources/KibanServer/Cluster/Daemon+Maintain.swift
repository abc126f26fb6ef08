import Foundation
import KibanRaft
import KibanStore

extension Daemon {
    /// Every half second: refresh the member list and the certificate deny list from the store,
    /// and on the leader promote learners that have caught up (thesis §4.2.1: a new member votes
    /// only once it has the log), unless auto-promotion is off; every 5 s, renew this member's
    /// certificate when it is due; every 10 s on the leader, delete blob presence keys of
    /// removed members, expired tokens and expired deny-list entries.
    func maintain() async {
        let pruning = Task { await pruneAuditLogWhileRunning() }
        defer { pruning.cancel() }
        var rounds = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            guard let store = running?.store else { return }
            if let records = try? await memberRecords(store, consistency: .serializable), !records.isEmpty {
                directory.replace(records)
            }
            if let denied = try? await deniedCertificates(store) { directory.replaceDenied(Set(denied.map(\.serial))) }
            if await autoPromote(store) { await promoteCaughtUpLearners(store) }
            rounds += 1
            if rounds % 10 == 0 { await renewOwnCertificateIfDue() }
            if rounds % 20 == 0 {
                await sweepPresenceOfNonMembers(store)
                await sweepExpiredTrust(store, now: Date())
                await ensureKEK(store)
                await sealLegacyCARecord(store)
            }
        }
    }

    func memberRecords(_ store: Store, consistency: ReadConsistency) async throws(StoreError) -> [MemberRecord] {
        let page = try await store.range(.prefix(ClusterKey.membersPrefix), consistency: consistency)
        return page.kvs.compactMap { try? JSONDecoder().decode(MemberRecord.self, from: Data($0.value)) }
    }

    /// One promotion per round (one membership change at a time), of the first learner that may
    /// be promoted: a learner that is down or slow does not hold back the others.
    private func promoteCaughtUpLearners(_ store: Store) async {
        let status = await store.status
        guard status.role == .leader else { return }
        var ready: NodeID?
        for learner in status.conf.learners.sorted() where await promotionBlocker(store, learner) == nil {
            ready = learner
            break
        }
        guard let learner = ready else { return }
        do {
            try await store.promote(learner)
            logger.notice("promoted a caught-up learner to voter", metadata: ["kiban.server.peer": "\(String(learner, radix: 16))"])
            await audit(.cluster, "member.promote", directory.record(learner)?.name ?? String(learner, radix: 16), detail: "caught up, automatic")
        } catch {
            logger.info("promotion deferred", metadata: ["kiban.server.error": "\(error)"])
        }
    }

    /// Why the leader may not promote learner `id` yet, or nil when it may: the learner must hold
    /// the log to within a few entries of the leader's, and have answered the leader within the
    /// last election timeout (a voter that is down counts against the quorum from its promotion).
    func promotionBlocker(_ store: Store, _ id: NodeID) async -> String? {
        let match = await store.matchIndexes[id] ?? 0
        let last = await store.lastIndex
        guard match + Self.catchUpSlackEntries >= last else {
            return "it has not caught up (it holds the log to \(match) of \(last))"
        }
        guard await store.recentlyHeard.contains(id) else {
            return "it has not answered the leader within an election timeout (is it running and reachable?)"
        }
        return nil
    }

    /// How far behind the leader's last index a learner may be and still count as caught up.
    static var catchUpSlackEntries: UInt64 { 8 }
}
