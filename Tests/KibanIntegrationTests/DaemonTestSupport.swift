import Foundation
import KibanTestSupport

/// Real clusters for the daemon tests, on ports the kernel says are free right now.
enum DaemonTestSupport {
    /// Seconds any wait for the cluster allows (the machine is shared and loaded).
    static let waitSeconds = 90

    /// A server named `name` under `root` on a free port, not started.
    static func server(_ name: String, under root: String, arguments: [String] = []) throws -> ServerProcess {
        let s = ServerProcess(name: name, under: root)
        s.extraArguments = arguments
        return s
    }

    /// Starts `count` servers, inits the first, joins the others and waits until all vote.
    static func cluster(_ count: Int, prefix: String, root: String, arguments: [String] = []) async throws -> Cluster {
        let members = try (1...count).map { try server("\(prefix)-\($0)", under: root, arguments: arguments) }
        for m in members { try await m.start() }
        let cluster = Cluster(root: root, members: members)
        try await cluster.initialize()
        try await poll("\(members[0].name) to lead", seconds: waitSeconds) { cluster.leader(seenBy: members[0]) != nil }
        for m in members.dropFirst() { try await join(m, via: cluster) }
        return cluster
    }

    /// Runs `body` on a new one-member cluster in a temporary directory, then stops it and
    /// removes the directory.
    static func withMember(_ label: String, _ body: (ServerProcess, String) async throws -> Void) async throws {
        let root = try temporaryDirectory("kiban-\(label)")
        let started = try await Self.cluster(1, prefix: label, root: root)
        defer {
            started.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await body(started.members[0], root)
    }

    /// Joins `server` with a token from the cluster's first member and waits until it votes.
    static func join(_ server: ServerProcess, via cluster: Cluster) async throws {
        let before = cluster.voters(seenBy: cluster.members[0])
        let r = try await server.bindingCLI(["join", try cluster.token(for: server.name)])
        guard r.code == 0 else { throw TestFailure("\(server.name) could not join: \(r.stderr)") }
        try await poll("\(server.name) to become a voter", seconds: waitSeconds) { cluster.voters(seenBy: cluster.members[0]) > before }
    }

    /// The members that follow, as `cluster.members[0]` sees it.
    static func followers(_ cluster: Cluster) throws -> [ServerProcess] {
        guard let leader = cluster.leader(seenBy: cluster.members[0]) else { throw TestFailure("no leader") }
        return cluster.members.filter { $0.name != leader }
    }
}
