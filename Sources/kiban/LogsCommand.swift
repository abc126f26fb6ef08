import ArgumentParser
import Foundation
import KibanInventory

/// `kiban logs`: the inventory's audit log, and its retention.
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Show the audit log of inventory changes.",
        discussion: """
            One record per change (IPAM, machines, retention): time, store revision, the Unix user and group that ran the command, category, instance, action and detail. -o json prints JSON Lines, as sabakan's GET logs does. Records are kept 60 days unless the cluster's retention says otherwise (kiban logs set-retention).

            Examples:
              kiban logs --since 20261101 --until 20261201
              kiban logs --since 2026-11-26T09:00:00Z -o json | jq 'select(.action == "set-state")'
              kiban logs retention
              kiban logs set-retention 90d
            """,
        subcommands: [Retention.self, SetRetention.self])

    @OptionGroup var options: InventoryOptions
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

    struct Retention: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show how long audit records are kept.")
        @OptionGroup var options: InventoryOptions

        func run() throws {
            let json = try options.send("GET", "/v1/logs/retention")
            try LogsCommand.printRetention(json, options)
        }
    }

    struct SetRetention: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-retention", abstract: "Set how long audit records are kept, for the whole cluster.",
            discussion: "The leader deletes older records periodically. Example: kiban logs set-retention 90d")
        @OptionGroup var options: InventoryOptions
        @Argument(help: "A duration with its unit: 90d, 36h, 30m or 600s.")
        var duration: String

        func run() throws {
            guard let seconds = InventoryFormat.seconds(duration) else {
                throw ValidationError("\(duration) is not a duration; give a number with its unit: 90d, 36h, 30m or 600s")
            }
            try LogsCommand.printRetention(options.send("PUT", "/v1/logs/retention", json: ["seconds": seconds]), options)
        }
    }

    static func printRetention(_ json: [UInt8], _ options: InventoryOptions) throws {
        try options.printAnswer(json, field: "seconds") { seconds in
            String(Table.render([["RETENTION", "SECONDS"], [InventoryFormat.duration(seconds), "\(seconds)"]]).dropLast())
        }
    }
}
