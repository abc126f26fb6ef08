import Foundation
import KibanRaft
import KibanStore

/// One member as `kiban members list` and `kiban status` show it.
public struct MemberInfo: Codable, Sendable {
    /// Name.
    public var name: String
    /// Raft id (hex).
    public var id: String
    /// Peer endpoint.
    public var endpoint: String
    /// `voter` or `learner`.
    public var role: String
    /// Whether it leads.
    public var leader: Bool
    /// Its match index as the leader sees it (only when asked on the leader).
    public var matchIndex: UInt64?
}

/// `kiban status`.
public struct StatusInfo: Codable, Sendable {
    /// False until init or join.
    public var initialized: Bool
    public var cluster: String?
    public var member: String?
    public var role: String?
    public var leader: String?
    public var term: UInt64?
    public var commitIndex: UInt64?
    public var appliedIndex: UInt64?
    public var revision: Int64?
    public var members: [MemberInfo]
}

extension Daemon {
    /// This member's view of the cluster.
    public func status() async -> StatusInfo {
        guard let r = running else { return StatusInfo(initialized: false, members: []) }
        let s = await r.store.status
        let members = await memberInfos(r.store)
        return StatusInfo(initialized: true, cluster: r.local.clusterID, member: r.local.name, role: "\(s.role)",
                          leader: s.leader == 0 ? nil : (directory.record(s.leader)?.name ?? String(s.leader, radix: 16)),
                          term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex,
                          revision: s.revision, members: members)
    }

    func memberInfos(_ store: Store) async -> [MemberInfo] {
        let s = await store.status
        let matches = await store.matchIndexes
        return directory.all.filter { s.conf.members.contains($0.id) }.map { m in
            MemberInfo(name: m.name, id: String(m.id, radix: 16), endpoint: m.endpoint,
                       role: s.conf.voters.contains(m.id) ? "voter" : "learner", leader: m.id == s.leader,
                       matchIndex: matches[m.id])
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
        try await storeCall { () throws(StoreError) in _ = try await store.delete(.key(ClusterKey.member(record.id))) }
        directory.remove(record.id)
        var withdrawn = 0
        do {
            withdrawn = try await deletePresence(of: name, store)
        } catch {
            // The member is gone either way; its keys are only ignored until deleted by hand.
            logger.warning("could not delete a removed member's blob presence keys",
                           metadata: ["kiban.members.name": "\(name)", "kiban.members.error": "\(error)"])
        }
        await audit(caller, "members remove \(name)" + (withdrawn > 0 ? " (deleted its \(withdrawn) blob presence keys)" : ""))
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
        await audit(caller, "members transfer-leader \(directory.record(target)?.name ?? "?")")
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
