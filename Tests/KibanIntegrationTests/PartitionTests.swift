import Foundation
import KibanTestSupport
import Testing

/// A 3-member cluster of real processes, each in its own network namespace; members are cut off
/// by `ip link set down` and by iptables DROP, then healed. Each cut is tried on a follower and
/// on a leader, one pairing each by default (`KIBAN_PARTITION_ALL=1`: every pairing).
@Suite(
    "Partitions of real processes in network namespaces", .serialized,
    .enabled(if: NetworkLab.unavailableReason == nil, "needs root and iptables for network namespaces"))
struct PartitionTests {
    /// The cuts each test tries: one of each by default, both with `KIBAN_PARTITION_ALL=1`.
    static func cuts(_ first: NetworkLab.Cut) -> [NetworkLab.Cut] {
        ProcessInfo.processInfo.environment["KIBAN_PARTITION_ALL"] == "1" ? NetworkLab.Cut.allCases : [first]
    }

    @Test(
        "A cut-off follower refuses, the majority writes on, and the healed member catches up",
        .serialized, arguments: cuts(.linkDown))
    func followerCutOff(cut: NetworkLab.Cut) async throws {
        try await Self.withCluster("kiban-part") { lab, cluster in
            #expect(cluster.members[0].put("before", "1").json != nil)
            let leaderName = try #require(cluster.leader(seenBy: cluster.members[0]))
            let follower = try #require(cluster.members.first { $0.name != leaderName })
            let f = try #require(cluster.index(of: follower.name))
            let majority = cluster.members.filter { $0 !== follower }

            try lab.cut(f, by: cut)
            for (i, m) in majority.enumerated() {
                let r = m.put("during-\(i)", "through \(m.name)")
                #expect(r.json != nil, "the majority accepts writes through \(m.name): \(r)")
            }
            try Self.expectRefused(follower, cut: cut)

            try lab.heal(f, from: cut)
            try await Self.expectCaughtUp(cluster, keys: ["before", "during-0", "during-1"])
        }
    }

    @Test(
        "A cut-off leader is replaced by a leader of the majority and catches up once healed",
        .serialized, arguments: cuts(.iptablesDrop))
    func leaderCutOff(cut: NetworkLab.Cut) async throws {
        try await Self.withCluster("kiban-part-leader") { lab, cluster in
            let oldName = try #require(cluster.leader(seenBy: cluster.members[0]))
            let old = try #require(cluster.member(oldName))
            let l = try #require(cluster.index(of: oldName))
            let majority = cluster.members.filter { $0 !== old }

            try lab.cut(l, by: cut)
            try await poll("the majority to elect a new leader", seconds: 90) {
                let views = majority.map { cluster.leader(seenBy: $0) }
                return views.allSatisfy { $0 != nil && $0 != oldName && $0 == views[0] }
            }
            for (i, m) in majority.enumerated() {
                let r = m.put("after-\(i)", "through \(m.name)")
                #expect(r.json != nil, "the new majority accepts writes through \(m.name): \(r)")
            }
            try Self.expectRefused(old, cut: cut)

            try lab.heal(l, from: cut)
            try await Self.expectCaughtUp(cluster, keys: ["after-0", "after-1"])
            #expect(cluster.leader(seenBy: old) != oldName)
        }
    }

    /// A lab, a formed 3-member cluster in it, and cleanup of both whatever happens.
    static func withCluster(_ label: String, _ body: (NetworkLab, Cluster) async throws -> Void) async throws {
        let root = try temporaryDirectory(label)
        let lab = try NetworkLab.create(size: 3)
        defer {
            lab.destroy()
            try? FileManager.default.removeItem(atPath: root)
        }
        let cluster = try await Cluster.start(in: lab, prefix: "boot", root: root)
        defer { cluster.stopAll() }
        try await cluster.initialize()
        try await cluster.joinOthers()
        try await body(lab, cluster)
    }

    /// The minority member neither writes nor reads linearizably: it answers 503 (no leader, or
    /// the proposal could not be committed) or does not answer within the bound.
    static func expectRefused(_ m: ServerProcess, cut: NetworkLab.Cut) throws {
        let write = m.put("minority", "must not be acknowledged", secondsMax: 45)
        switch write {
        case .answered(let status, let body):
            let message = String(decoding: body, as: UTF8.self)
            #expect(status == 503 && message.contains("retry"), "a cut-off member refuses writes clearly (\(cut.rawValue)): \(status) \(message)")
        case .lost: break  // timed out cleanly: the client could not tell, and says so
        case .refused(let why): Issue.record("the daemon itself must keep answering: \(why)")
        }
        switch m.read("before", secondsMax: 45) {
        case .success(let v): Issue.record("a cut-off member answered a linearizable read (\(cut.rawValue)): \(v ?? "absent")")
        case .failure(let f):
            if case .answered(let status, _) = f.outcome { #expect(status == 503) }
        }
    }

    /// Every member reaches the same revision and reads the same values for `keys`.
    static func expectCaughtUp(_ cluster: Cluster, keys: [String]) async throws {
        try await poll("every member to reach the same revision", seconds: 90) { cluster.converged() }
        for key in keys {
            let values = try cluster.members.map { try $0.read(key).get() }
            #expect(values[0] != nil && Set(values).count == 1, "\(key) reads the same everywhere: \(values)")
        }
    }
}
