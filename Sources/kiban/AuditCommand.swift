import ArgumentParser
import Foundation
import KibanInventory
import KibanStore

/// `kiban audit`: the cluster's one audit log, and its retention.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the cluster's audit log: every change, from every subsystem.",
        discussion: """
            One entry per change, oldest first: time, the member the command came from, who asked (the Unix user and group of the admin socket; `cluster` for what the cluster did by itself, such as an admission or an automatic promotion), the action, its subject, details and outcome. Actions are dotted from the subsystem down (member.join, member.promote, token.create, backup.download, pki.issue, inventory.machines.register); --action token matches every token.* action. Each entry is written in the same store transaction as its change. Entries are kept 60 days unless the cluster's retention says otherwise (kiban audit set-retention).

            At most --limit entries are shown (1000 by default); when more match, the command says how to see the next ones (--after).

            Examples:
              kiban audit --since 20261201 --action member
              kiban audit --subject boot-2 -o json | jq '.[] | select(.outcome != "ok")'
              kiban audit set-retention 90d
            """,
        subcommands: [Show.self, Retention.self, SetRetention.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show audit entries (the default).")
        @OptionGroup var client: ClientOptions
        @Option(help: "First day (YYYYMMDD, UTC) or time (RFC 3339) shown, inclusive.")
        var since: String?
        @Option(help: "Day (YYYYMMDD, UTC) or time (RFC 3339) where the listing stops, exclusive.")
        var until: String?
        @Option(help: "An action, or its dotted prefix (token matches token.create and token.revoke).")
        var action: String?
        @Option(help: "A subject: a member, token, serial, machine or key.")
        var subject: String?
        @Option(help: "Start after this entry id (printed when a listing stops at --limit).")
        var after: String?
        @Option(help: "The most entries shown.")
        var limit: Int = 1_000

        func run() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
            var entries: [AuditEntry] = []
            var cursor = after
            var next: String?
            repeat {
                let page = try client.call("GET", path(after: cursor, limit: limit - entries.count), as: AuditPage.self).0
                entries += page.entries
                next = page.next
                cursor = next
            } while next != nil && entries.count < limit
            print(entries)
            if let next {
                FileHandle.standardError.write(Data("more entries match: kiban audit --after \(next) (with the same filters)\n".utf8))
            }
        }

        func path(after: String?, limit: Int) -> String {
            let query = [
                ("since", since), ("until", until), ("action", action), ("subject", subject), ("after", after),
                ("limit", String(limit)),
            ]
            .compactMap { name, value in value.map { "\(name)=\($0.queryEscaped)" } }
            return "/v1/audit?" + query.joined(separator: "&")
        }

        func print(_ entries: [AuditEntry]) {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            // Entries are strings and numbers, which always encode.
            let json = Array((try? encoder.encode(entries)) ?? Data("[]".utf8))
            client.print(
                json: json,
                rows: [["TIME", "MEMBER", "ACTOR", "ACTION", "SUBJECT", "OUTCOME", "DETAIL"]]
                    + entries.map {
                        [$0.time.formatted(.iso8601), $0.member, $0.actor, $0.action, $0.subject, $0.outcome, $0.detail]
                    })
        }
    }

    struct Retention: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show how long audit entries are kept.")
        @OptionGroup var options: ClientOptions

        func run() throws {
            try AuditCommand.printRetention(try options.send("GET", "/v1/audit/retention"), options)
        }
    }

    struct SetRetention: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-retention", abstract: "Set how long audit entries are kept, for the whole cluster and every subsystem.",
            discussion: "The leader deletes older entries periodically. Example: kiban audit set-retention 90d")
        @OptionGroup var options: ClientOptions
        @Argument(help: "A duration with its unit: 90d, 36h, 30m or 600s.")
        var duration: String

        func run() throws {
            guard let seconds = InventoryFormat.seconds(duration) else {
                throw ValidationError("\(duration) is not a duration; give a number with its unit: 90d, 36h, 30m or 600s")
            }
            try AuditCommand.printRetention(options.send("PUT", "/v1/audit/retention", json: ["seconds": seconds]), options)
        }
    }

    static func printRetention(_ json: [UInt8], _ options: ClientOptions) throws {
        try options.printAnswer(json, field: "seconds") { seconds in
            String(Table.render([["RETENTION", "SECONDS"], [InventoryFormat.duration(seconds), "\(seconds)"]]).dropLast())
        }
    }
}
