import Foundation

/// What `kiban agent join` leaves in the agent's state directory (default
/// `/var/lib/kiban-agent`, mode 0700), every file 0600: `ca.pem` (the pinned cluster CA),
/// `node.key`, `node.pem` and `chain.pem` (the node certificate and its issuer chain), and
/// `agent.json` (the cluster, the serial and the members' node API endpoints last learned).
struct AgentState: Codable, Sendable {
    var cluster: String
    var serial: String
    var members: [String]
    var caPEM: String
    var certificatePEM: String
    var chainPEM: [String]
    var keyPEM: String

    /// The JSON part (`agent.json`).
    private struct Summary: Codable {
        var cluster: String
        var serial: String
        var members: [String]
    }

    /// Writes every file (each synced, then renamed into place).
    func save(_ dir: String) throws(ServerError) {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let summary = try JSONEncoder().encode(Summary(cluster: cluster, serial: serial, members: members))
            for (name, bytes) in [
                ("ca.pem", Array(caPEM.utf8)), ("node.key", Array(keyPEM.utf8)), ("node.pem", Array(certificatePEM.utf8)),
                ("chain.pem", Array(chainPEM.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }.joined().utf8)), ("agent.json", Array(summary)),
            ] {
                try Self.write(dir + "/" + name, bytes)
            }
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.config, "cannot write the agent's state in \(dir): \(error)")
        }
    }

    /// Writes `agent.json` again with `members`.
    func saveMembers(_ members: [String], dir: String) throws(ServerError) {
        do {
            try Self.write(dir + "/agent.json", Array(try JSONEncoder().encode(Summary(cluster: cluster, serial: serial, members: members))))
        } catch let error as ServerError {
            throw error
        } catch {
            throw ServerError(.config, "cannot write \(dir)/agent.json: \(error)")
        }
    }

    /// Reads what ``save(_:)`` wrote.
    static func load(_ dir: String) throws(ServerError) -> AgentState {
        do {
            let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/agent.json")))
            let text = { (name: String) throws -> String in try String(contentsOfFile: dir + "/" + name, encoding: .utf8) }
            let chain = try text("chain.pem")
            return AgentState(
                cluster: summary.cluster, serial: summary.serial, members: summary.members, caPEM: try text("ca.pem"),
                certificatePEM: try text("node.pem"), chainPEM: chain.isEmpty ? [] : [chain], keyPEM: try text("node.key"))
        } catch {
            throw ServerError(.config, "this machine has not joined (no usable state in \(dir): \(error)); run kiban agent join first")
        }
    }

    /// Writes `path` 0600 through a synced `.new` file renamed into place.
    static func write(_ path: String, _ bytes: [UInt8]) throws(ServerError) {
        try PeerTLS.writeSynced(path + ".new", bytes)
        guard rename(path + ".new", path) == 0 else {
            throw ServerError(.config, "cannot put \(path) in place: \(String(cString: strerror(errno)))")
        }
    }
}
