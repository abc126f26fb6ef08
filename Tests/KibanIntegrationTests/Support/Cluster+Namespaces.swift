import Foundation
import KibanAdminAPI

extension Cluster {
    /// Starts one member in each of `lab`'s namespaces, advertising the lab's addresses, all on
    /// peer port `port` (each namespace has its own); on a failure stops those already started.
    static func start(in lab: NetworkLab, prefix: String, root: String, port: Int = 10090) async throws -> Cluster {
        var cluster = Cluster(root: root, members: [])
        for i in 1...lab.size {
            let m = ServerProcess(
                name: "\(prefix)-\(i)", under: root, peerPort: port,
                address: lab.address(i), namespace: lab.namespace(i))
            do { try await m.start() } catch {
                cluster.stopAll()
                throw error
            }
            cluster.members.append(m)
        }
        return cluster
    }

    /// The store revision `m` has applied, or nil when it cannot answer.
    func revision(of m: ServerProcess) -> Int? { (m.status()?["revision"] as? NSNumber)?.intValue }

    /// True when every member has the same leader and has applied the same revision.
    func converged() -> Bool {
        let views = members.map { (leader(seenBy: $0), revision(of: $0)) }
        guard let first = views.first, first.0 != nil, first.1 != nil else { return false }
        return views.allSatisfy { $0 == first }
    }

    /// The 1-based index of the member named `name`.
    func index(of name: String) -> Int? { members.firstIndex { $0.name == name }.map { $0 + 1 } }
}

extension ServerProcess {
    /// A linearizable (or `serializable`) read of `key` through the admin API: the value, or
    /// nil when absent; the request's outcome when it was not a 200 answer.
    func read(_ key: String, consistency: String = "linearizable", secondsMax: Int = 30) -> Result<String?, ReadFailure> {
        let outcome = AdminClient(socketPath: socket, answerSecondsMax: secondsMax)
            .exchange("GET", "/v1/kv?key=\(key)&consistency=\(consistency)")
        guard let list = outcome.json as? [[String: Any]] else { return .failure(ReadFailure(outcome: outcome)) }
        return .success(list.first?["value"] as? String)
    }

    /// A put through the admin API.
    func put(_ key: String, _ value: String, secondsMax: Int = 30) -> AdminClient.Outcome {
        AdminClient(socketPath: socket, answerSecondsMax: secondsMax).exchange("PUT", "/v1/kv", json: ["key": key, "value": value])
    }
}

/// A read that did not get a 200 answer.
struct ReadFailure: Error {
    var outcome: AdminClient.Outcome
}
