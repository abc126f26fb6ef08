import Foundation
import KibanTestSupport

/// Real `kiban server` processes forming one cluster through the CLI: init on the first,
/// a token and a join for each other.
struct Cluster {
    let root: String
    var members: [ServerProcess]

    /// Starts `count` servers named `prefix-1…`, each on ports free at run time, after
    /// `configure` (settings, flags). When one fails to start, the members are released and so
    /// killed (``ServerProcess``).
    static func start(_ count: Int, prefix: String, root: String, configure: (ServerProcess) -> Void = { _ in }) async throws -> Cluster {
        let members = (1...count).map { ServerProcess(name: "\(prefix)-\($0)", under: root) }
        for m in members {
            configure(m)
            try await m.start()
        }
        return Cluster(root: root, members: members)
    }

    /// `kiban init` on the first member (on new ports if its own were taken meanwhile).
    func initialize() async throws {
        let r = try await members[0].bindingCLI(["init", "-o", "json"])
        guard r.code == 0 else { throw TestFailure("init failed: \(r.stderr)") }
    }

    /// A token from the first member for `name`.
    func token(for name: String, ttl: String = "10m") throws -> String {
        let r = members[0].cli("token", "create", name, "--ttl", ttl)
        guard r.code == 0 else { throw TestFailure("token create failed: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Joins every member after the first and waits until all are voters.
    func joinOthers() async throws {
        for m in members.dropFirst() {
            let r = try await m.bindingCLI(["join", try token(for: m.name)])
            guard r.code == 0 else { throw TestFailure("\(m.name) could not join: \(r.stderr)") }
        }
        try await poll("all \(members.count) members to be voters") { voters(seenBy: members[0]) == members.count }
    }

    func voters(seenBy m: ServerProcess) -> Int {
        let list = (m.status()?["members"] as? [[String: Any]]) ?? []
        return list.filter { $0["role"] as? String == "voter" }.count
    }

    /// The leader's name as `m` sees it.
    func leader(seenBy m: ServerProcess) -> String? { m.status()?["leader"] as? String }

    func member(_ name: String) -> ServerProcess? { members.first { $0.name == name } }

    /// SIGTERM to everyone still running.
    func stopAll() { for m in members { m.stop() } }
}
