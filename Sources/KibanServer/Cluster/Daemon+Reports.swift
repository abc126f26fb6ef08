import Foundation
public import KibanAdminAPI
import KibanStore

/// The cluster-wide view: every member's own report, asked for over the peer port.
extension Daemon {
    /// This member's own view.
    func localReport() async -> MemberReport {
        let s = await status()
        return MemberReport(name: s.member ?? config.name, reachable: true, status: s, dhcp: try? dhcpStatus())
    }

    /// Every member's report, this one's included, in member-list order; members that do not
    /// answer within ``ReportClient/deadline`` are listed as unreachable.
    func memberReports() async throws(ServerError) -> [MemberReport] {
        let store = try requireStore()
        guard let r = running else { return [] }
        let conf = await store.status.conf
        let members = directory.all.filter { conf.members.contains($0.id) }
        let own = await localReport()
        let (selfID, credentials) = (r.local.id, r.credentials)
        return await withTaskGroup(of: (Int, MemberReport).self) { group in
            for (i, m) in members.enumerated() where m.id != selfID {
                group.addTask { (i, await ReportClient.fetch(from: m, as: selfID, credentials: credentials)) }
            }
            var reports = [Int: MemberReport]()
            for await (i, report) in group { reports[i] = report }
            return members.enumerated().map { i, m in m.id == selfID ? own : reports[i] ?? .unreachable(m.name, "not asked") }
        }
    }

    /// `kiban dhcp status --cluster`: every member's counters and their sums.
    public func clusterDHCPStatus() async throws(ServerError) -> ClusterDHCPStatus {
        let reports = try await memberReports()
        var total = DHCPStatusInfo(serving: false, received: 0, committed: 0, replied: [:], dropped: [:])
        for s in reports.compactMap(\.dhcp) {
            total.serving = total.serving || s.serving
            total.received += s.received
            total.committed += s.committed
            total.replied.merge(s.replied, uniquingKeysWith: +)
            total.dropped.merge(s.dropped, uniquingKeysWith: +)
        }
        return ClusterDHCPStatus(
            members: reports.map { ClusterDHCPStatus.Member(name: $0.name, reachable: $0.reachable, error: $0.error, status: $0.dhcp) },
            total: total)
    }
}

/// `GET /v1/dhcp/status?cluster=true`.
public struct ClusterDHCPStatus: Codable, Sendable {
    /// One member's counters, or why it did not answer.
    public struct Member: Codable, Sendable {
        public var name: String
        public var reachable: Bool
        public var error: String?
        public var status: DHCPStatusInfo?
    }

    public var members: [Member]
    /// Sums over the members that answered (`serving`: any of them).
    public var total: DHCPStatusInfo
}
