import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban nodes list` and `kiban nodes token create|list|revoke` (docs/nodes.md).
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List machines' health and agents; create node tokens.",
        subcommands: [List.self, NodeTokenCommand.self, NodeChecksCommand.self])

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
