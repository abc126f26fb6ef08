import Foundation
import KibanAdminAPI
import KibanInventory
import KibanMetrics
import KibanNetboot
import KibanStore

/// The status page on the metrics port: gathered here, rendered by ``StatusPage/html()``.
extension Daemon {
    /// Rows per table at most (the newest first where there is an order).
    static let statusRowsMax = 50

    func statusPageHTML() async -> String {
        let generated = Timestamp.rfc3339(Date())
        guard let r = running else {
            return StatusPage(
                member: config.name, cluster: "-", health: "not in a cluster yet (kiban init or kiban join)",
                generated: generated, refreshSeconds: 10, tables: []
            ).html()
        }
        let reports = (try? await memberReports()) ?? []
        let view = try? await clusterView(r)
        var tables = [membersTable(reports)]
        if let view { tables += [Self.machineCountsTable(view), Self.machinesTable(view), Self.poolsTable(view), Self.bootsTable(view)] }
        tables.append(await imagesTable(r))
        tables.append(await auditTable())
        return StatusPage(
            member: r.local.name, cluster: r.local.clusterID, health: Self.health(reports), generated: generated,
            refreshSeconds: 10, tables: tables
        ).html()
    }

    static func health(_ reports: [MemberReport]) -> String {
        let answering = reports.filter(\.reachable)
        let leaders = Set(answering.compactMap(\.status?.leader))
        guard leaders.count == 1, let leader = leaders.first else {
            return leaders.isEmpty ? "UNHEALTHY: no leader" : "UNHEALTHY: members disagree on the leader (\(leaders.sorted().joined(separator: ", ")))"
        }
        let state = answering.count == reports.count ? "healthy" : "DEGRADED"
        return "\(state): leader \(leader), \(answering.count) of \(reports.count) members answer"
    }

    func membersTable(_ reports: [MemberReport]) -> StatusPage.Table {
        StatusPage.Table(
            id: "members", caption: "Members (each one's own view)",
            headers: ["Member", "Answers", "Role", "Leader it knows", "Term", "Commit", "Applied", "Certificate days left"],
            rows: reports.map { m in
                let s = m.status
                return [
                    m.name, m.reachable ? "yes" : "NO: \(m.error ?? "")", s?.role ?? "-", s?.leader ?? "none",
                    Self.text(s?.term), Self.text(s?.commitIndex), Self.text(s?.appliedIndex), Self.text(s?.certificateDaysLeft),
                ]
            }, empty: "No members.")
    }

    static func machineCountsTable(_ view: ClusterView) -> StatusPage.Table {
        StatusPage.Table(
            id: "machine-counts", caption: "Machines by rack, role and state", headers: ["Rack", "Role", "State", "Machines"],
            rows: view.machineCounts.sorted { $0.key < $1.key }.map { ["\($0.key.rack)", $0.key.role, $0.key.state, "\($0.value)"] },
            empty: "No machines in the inventory.")
    }

    static func machinesTable(_ view: ClusterView) -> StatusPage.Table {
        let recent = view.machines.sorted { $0.stateTimestamp > $1.stateTimestamp }.prefix(statusRowsMax)
        return StatusPage.Table(
            id: "machines", caption: "Machines, latest state change first",
            headers: ["Serial", "Rack", "Index", "Role", "State", "Since", "Labels"],
            rows: recent.map { m in
                [
                    m.serial, "\(m.registration.rack)", "\(m.indexInRack)", m.registration.role, m.state.rawValue,
                    Timestamp.rfc3339(m.stateTimestamp),
                    m.registration.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
                ]
            }, empty: "No machines in the inventory.")
    }

    static func poolsTable(_ view: ClusterView) -> StatusPage.Table {
        StatusPage.Table(
            id: "dhcp-pools", caption: "DHCP pools per rack", headers: ["Rack", "Addresses", "Bound", "Offered", "Declined", "Used"],
            rows: view.pools.map { p in
                let used = p.leases.values.reduce(0, +)
                return [
                    "\(p.rack)", "\(p.addresses)", "\(p.leases["bound"] ?? 0)", "\(p.leases["offered"] ?? 0)",
                    "\(p.leases["declined"] ?? 0)", "\(p.addresses > 0 ? used * 100 / p.addresses : 0)%",
                ]
            }, empty: view.ipam == nil ? "No IPAM configuration (kiban ipam set)." : "No racks yet.")
    }

    static func bootsTable(_ view: ClusterView) -> StatusPage.Table {
        let recent = view.leases.sorted { $0.expiresAt > $1.expiresAt }.prefix(statusRowsMax)
        return StatusPage.Table(
            id: "boots", caption: "Recent boots (DHCP leases, newest first)",
            headers: ["Address", "MAC", "Host name", "Rack", "State", "Expires"],
            rows: recent.map { l in
                [
                    IPv4(l.address).description, l.mac, l.hostname ?? "-", view.ipam?.rack(ofNodeAddress: l.address).map { "\($0)" } ?? "-",
                    l.state.rawValue, Timestamp.rfc3339(Date(timeIntervalSince1970: Double(l.expiresAt))),
                ]
            }, empty: "No leases.")
    }

    func imagesTable(_ r: Running) async -> StatusPage.Table {
        let members = directory.all.count
        var rows: [[String]] = []
        if let catalog = try? await r.store.catalog(consistency: .serializable), let presence = try? await memberPresence(r.store) {
            rows = catalog.images.map { ImageView(CatalogImage($0, presence: presence, roles: [])) }.sorted { $0.uploaded > $1.uploaded }.map { i in
                [i.id, i.uploaded, "\(i.members.count) of \(members)", i.members.joined(separator: ", ")]
            }
        }
        return StatusPage.Table(
            id: "images", caption: "Images and their replication", headers: ["Image", "Uploaded", "Replicated", "Members holding it"],
            rows: rows, empty: "No images.")
    }

    func auditTable() async -> StatusPage.Table {
        let records = (try? await running?.store.recentAuditEntries(Self.statusRowsMax, now: Date(), consistency: .serializable)) ?? []
        return StatusPage.Table(
            id: "audit", caption: "Audit log, newest first", headers: ["Time", "Actor", "Member", "Action", "Subject", "Outcome"],
            rows: records.map { a in
                [Timestamp.rfc3339(a.time), a.actor, a.member, a.action, a.subject, a.outcome]
            }, empty: "No audit records.")
    }

    static func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "-" }
}
