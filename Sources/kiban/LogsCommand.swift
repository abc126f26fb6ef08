import ArgumentParser
import Foundation
import KibanInventory

/// `kiban logs`: the inventory's entries of the audit log in sabakan's format (`kiban audit
/// --action inventory` shows the same entries in the log's own format).
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show the inventory's part of the audit log, in sabakan's format.",
        discussion: """
            One record per inventory change (IPAM, machines): time, store revision, the Unix user and group that ran the command, category, instance, action and detail. -o json prints JSON Lines, as sabakan's GET logs does. These are the inventory's entries of the cluster's one audit log (kiban audit --action inventory); the retention is the log's (kiban audit set-retention; kiban logs retention and set-retention are its older names).

            Examples:
              kiban logs --since 20261101 --until 20261201
              kiban logs --since 2026-11-26T09:00:00Z -o json | jq 'select(.action == "set-state")'
              kiban logs retention
              kiban logs set-retention 90d
            """,
        subcommands: [AuditCommand.Retention.self, AuditCommand.SetRetention.self])

    @OptionGroup var options: ClientOptions
    @Option(help: "First day (YYYYMMDD, UTC) or time (RFC 3339) shown, inclusive.")
    var since: String?
    @Option(help: "Day (YYYYMMDD, UTC) or time (RFC 3339) where the log stops, exclusive.")
    var until: String?

    func run() throws {
        let query = [("since", since), ("until", until)].compactMap { name, value in value.map { "\(name)=\($0.queryEscaped)" } }
        let json = try options.send("GET", "/v1/logs" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        let records = try options.decode([AuditRecord].self, json, what: "audit log")
        print(try InventoryFormat.auditLog(records, as: options.format), terminator: "")
    }
}
