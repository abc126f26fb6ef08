import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban nodes list|revoke`, `kiban nodes token create|list|revoke`, `kiban nodes checks` and `kiban nodes ops` (docs/nodes.md).
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List machines' health and agents; create node tokens; revoke node certificates.",
        subcommands: [List.self, Revoke.self, NodeTokenCommand.self, NodeChecksCommand.self, NodeOpsCommand.self])

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a machine's node certificate: its agent is refused from then on.",
            discussion: "The machine may enroll again with a new token (kiban nodes token create SERIAL) or, when netbooted, from its next boot.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machine's serial.")
        var serial: String

        func run() throws {
            let (answer, json) = try client.call("POST", "/v1/nodes/\(serial)/revoke", as: [String: String].self)
            client.print(json: json, rows: [["SERIAL", "REVOKED CERTIFICATE"], [serial, answer["revoked"] ?? ""]])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List machines with their state, last heartbeat, agent version and node certificate expiry.",
            discussion: "The last heartbeat is the leader's memory (heartbeats are not stored); any member asks the leader for it.")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (nodes, json) = try client.call("GET", "/v1/nodes", as: [NodeView].self)
            client.print(
                json: json,
                rows: [["SERIAL", "STATE", "LAST HEARTBEAT", "AGENT", "CERTIFICATE EXPIRES"]]
                    + nodes.map {
                        [
                            $0.serial, $0.state, $0.lastHeartbeat.map(Self.ago) ?? "-", $0.agentVersion ?? "-",
                            $0.certificateNotAfter.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-",
                        ]
                    })
        }

        static func ago(_ unixSeconds: Double) -> String {
            "\(max(0, Int(Date().timeIntervalSince1970 - unixSeconds))) s ago"
        }
    }
}
