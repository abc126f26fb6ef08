import ArgumentParser
import Foundation

/// `kiban audit`: the cluster's own audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the cluster's audit log: membership, tokens, certificates, kv changes.",
        discussion: """
            One record per change, oldest first: time, the Unix user, group and process that ran the command (PID 0: the cluster itself, for example an admission, an automatic promotion or a certificate renewal), and the action. Inventory changes are in `kiban logs`.

            Examples:
              kiban audit
              kiban audit -o json | jq 'select(.action | startswith("members"))'
            """)
    @OptionGroup var client: ClientOptions

    func run() throws {
        let (records, json) = try client.call("GET", "/v1/audit", as: [AuditView].self)
        client.print(json: json, rows: [["TIME", "UID", "GID", "PID", "ACTION"]] + records.map {
            [Date(timeIntervalSince1970: $0.time).formatted(.iso8601), "\($0.uid)", "\($0.gid)", $0.pid == 0 ? "cluster" : "\($0.pid)", $0.action]
        })
    }
}

struct AuditView: Decodable {
    var time: Double
    var uid: UInt32
    var gid: UInt32
    var pid: Int32
    var action: String
}
