import Foundation
public import KibanAdminAPI
import KibanCA
import KibanNodes
import KibanRaft
import KibanStore

extension Daemon {
    /// This member's view of the cluster.
    public func status() async -> StatusInfo {
        guard let r = running else { return StatusInfo(initialized: false, members: []) }
        let s = await r.store.status
        let members = await memberInfos(r.store)
        let certificate = MemberCertificate(pem: r.credentials.tls.certificatePEM)
        return StatusInfo(
            initialized: true, cluster: r.local.clusterID, member: r.local.name, role: "\(s.role)",
            leader: s.leader == 0 ? nil : (directory.record(s.leader)?.name ?? String(s.leader, radix: 16)),
            term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex,
            revision: s.revision, certificateSerial: certificate?.serial,
            certificateExpires: certificate?.notValidAfter.timeIntervalSince1970,
            certificateDaysLeft: certificate?.daysLeft(now: Date()), members: members)
    }

    func memberInfos(_ store: Store) async -> [MemberInfo] {
        let s = await store.status
        let matches = await store.matchIndexes
        return directory.all.filter { s.conf.members.contains($0.id) }.map { m in
            MemberInfo(
                name: m.name, id: String(m.id, radix: 16), endpoint: m.endpoint,
                role: s.conf.voters.contains(m.id) ? "voter" : "learner", leader: m.id == s.leader,
                matchIndex: matches[m.id],
                certificateDaysLeft: m.certificateNotAfter.map { Int(($0 - Date().timeIntervalSince1970) / 86_400) })
        }
    }

    /// `kiban members list`.
    public func members() async throws(ServerError) -> [MemberInfo] { await memberInfos(try requireStore()) }

    /// `kiban members remove NAME`: refuses the last voter, and a removal that leaves fewer
    /// voters than a majority of the current ones is allowed only with `force`.
    /// On a follower the change is forwarded to the leader.
    public func removeMember(name: String, force: Bool, caller: Caller, forwarded: Bool = false) async throws(ServerError) {
        let store = try requireStore()
        let request = ForwardRequest(action: .removeMember, name: name, force: force, caller: caller)
        if try await forwardToLeader(request, forwarded: forwarded) { return }
        guard let record = directory.all.first(where: { $0.name == name }) else {
            throw ServerError(.notFound, "no member named \(name); see `kiban members list`")
        }
        let conf = await store.status.conf
        if conf.voters.contains(record.id) {
            guard conf.voters.count > 1 else { throw ServerError(.conflict, "\(name) is the last voter; removing it would end the cluster") }
            guard force || conf.voters.count > 2 else {
                throw ServerError(.conflict, "removing \(name) leaves one voter, which cannot tolerate any failure; add a member first or use --force")
            }
        }
        try await onLeader(store) { () throws(StoreError) in try await store.removeMember(record.id) }
        try await forget(record, store: store, audit: try auditPut(caller, "member.remove", name, detail: force ? "forced" : ""))
        do {
            let withdrawn = try await deletePresence(of: name, store)
            if withdrawn > 0 {
                logger.notice(
                    "deleted a removed member's blob presence keys",
                    metadata: ["kiban.members.name": "\(name)", "kiban.members.deleted": "\(withdrawn)"])
            }
        } catch {
            // The member is gone either way; its keys are only ignored until deleted by hand.
            logger.warning(
                "could not delete a removed member's blob presence keys",
                metadata: ["kiban.members.name": "\(name)", "kiban.members.error": "\(error)"])
        }
    }

    /// Deletes a removed member's record, name key and node API endpoint (agents stop learning
    /// it), and puts its certificate on the deny list (until it expires) in the same
    /// transaction, so no member accepts it again.
    private func forget(_ record: MemberRecord, store: Store, audit: KibanStore.Operation) async throws(ServerError) {
        var operations: [KibanStore.Operation] = [
            .delete(.key(ClusterKey.member(record.id))), .delete(.key(ClusterKey.memberName(record.name))),
            .delete(.key(NodeKeys.endpoint(record.name))), audit,
        ]
        if let serial = record.certificateSerial {
            let denied = DeniedCertificate(
                serial: serial, member: record.name,
                notAfter: record.certificateNotAfter ?? Date().timeIntervalSince1970 + 366 * 86_400)
            do {
                operations.append(.put(key: ClusterKey.denied(serial), value: Array(try JSONEncoder().encode(denied)), lease: 0))
            } catch { throw ServerError(.internal, "\(error)") }
            directory.deny(serial: serial)
        }
        try await storeCall { () throws(StoreError) in _ = try await store.txn(Txn(success: operations)) }
        directory.remove(record.id)
    }

    /// `kiban members transfer-leader [NAME]`: to NAME, or to the most up-to-date other voter.
    /// On a follower the request is forwarded to the leader.
    public func transferLeader(to name: String?, caller: Caller, forwarded: Bool = false) async throws(ServerError) {
        let store = try requireStore()
        let request = ForwardRequest(action: .transferLeader, name: name, caller: caller)
        if try await forwardToLeader(request, forwarded: forwarded) { return }
        let s = await store.status
        let matches = await store.matchIndexes
        let target: UInt64?
        if let name {
            target = directory.all.first { $0.name == name }?.id
        } else {
            target = s.conf.voters.filter { $0 != s.id }.max { (matches[$0] ?? 0) < (matches[$1] ?? 0) }
        }
        guard let target, s.conf.voters.contains(target) else {
            throw ServerError(.badRequest, "\(name ?? "another voter") is not a voter; see `kiban members list`")
        }
        try await onLeader(store) { () throws(StoreError) in try await store.transferLeadership(to: target) }
        await audit(caller, "member.transfer-leader", directory.record(target)?.name ?? String(target, radix: 16))
    }

    /// `kiban members promote NAME`: makes a learner a voter now (for clusters with
    /// auto-promotion off, or to skip the wait). Refused unless it has caught up and answers the leader.
    public func promoteMember(name: String, caller: Caller, forwarded: Bool = false) async throws(ServerError) {
        let store = try requireStore()
        if try await forwardToLeader(ForwardRequest(action: .promoteMember, name: name, caller: caller), forwarded: forwarded) { return }
        guard let record = directory.all.first(where: { $0.name == name }) else {
            throw ServerError(.notFound, "no member named \(name); see `kiban members list`")
        }
        let status = await store.status
        guard status.conf.learners.contains(record.id) else { throw ServerError(.conflict, "\(name) is already a voter") }
        if let blocker = await promotionBlocker(store, record.id) {
            throw ServerError(
                .conflict,
                "\(name) cannot be promoted yet: \(blocker); promoting it now could cost the cluster its quorum, retry once `kiban members list` shows it close"
            )
        }
        try await onLeader(store) { () throws(StoreError) in try await store.promote(record.id) }
        await audit(caller, "member.promote", name)
    }

    /// `kiban members auto-promote on|off`: whether the leader promotes caught-up learners.
    public func setAutoPromote(_ enabled: Bool, caller: Caller) async throws(ServerError) -> [String: Bool] {
        let store = try requireStore()
        let writes =
            try encodeOperations([(ClusterKey.settings, ClusterSettings(autoPromote: enabled))])
            + [try auditPut(caller, "member.auto-promote", enabled ? "on" : "off")]
        _ = try await storeCall { () throws(StoreError) in try await store.txn(Txn(success: writes)) }
        return ["autoPromote": enabled]
    }

    /// Membership changes run on the leader only (a follower forwards them there first, see
    /// ``forwardToLeader(_:forwarded:)``); leadership may have moved since.
    private func onLeader(_ store: Store, _ body: () async throws(StoreError) -> Void) async throws(ServerError) {
        let s = await store.status
        guard s.role == .leader else {
            throw ServerError(.unavailable, "leadership moved while the change was being made; retry")
        }
        try await storeCall(body)
    }
}
