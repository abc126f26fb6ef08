import ArgumentParser
import Foundation

/// `kiban nodes ops add|list|show SERIAL` (docs/nodes.md, "Operations").
struct NodeOpsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops", abstract: "Queue operations for a machine's agent and see their results.",
        subcommands: [Add.self, List.self, Show.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue the operations of a YAML or JSON list for machine SERIAL's agent.",
            discussion: """
                Each operation has an id (unique on the machine: queuing the same id and content again changes nothing) and exactly one of:
                  write-file: {path, content | content-base64, mode (octal, default "0644"), owner (user:group, default root:root)}
                  unit: {name, verb: start|stop|restart|reload|enable|disable}
                  command: [argv...] with timeout-seconds (1 to 3600, default 60); no shell
                The agent runs them in order, each once, and reports the result; a file whose content is already the same is not rewritten. At most 256 operations pending per machine, files of 1 MiB. Every problem of the file is listed and nothing is queued then.

                Example file:
                  - id: motd-1
                    write-file: {path: /etc/motd, content: "managed by kiban\\n", mode: "0644"}
                  - id: chrony-restart-1
                    unit: {name: chrony.service, verb: restart}
                  - id: sync-1
                    command: [/usr/bin/sync]
                    timeout-seconds: 10
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machine's serial.")
        var serial: String
        @Argument(help: "A YAML or JSON list of operations, or - for standard input.")
        var file: String

        func run() throws {
            let json = try client.send("POST", "/v1/nodes/operations/\(serial)", body: try ClientOptions.read(file, what: "operation list"))
            let queued = (try? JSONDecoder().decode([OperationRow].self, from: Data(json))) ?? []
            client.print(json: json, rows: [["ID", "KIND", "TARGET"]] + queued.map { [$0.id, $0.kind, $0.target] })
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the operations of machine SERIAL in queue order: pending and the last 256 finished.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machine's serial.")
        var serial: String

        func run() throws {
            let (rows, json) = try client.call("GET", "/v1/nodes/operations/\(serial)", as: [OperationRow].self)
            client.print(json: json, rows: [["ID", "KIND", "STATE", "EXIT", "FINISHED", "TARGET"]] + rows.map(\.columns))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one operation of machine SERIAL with the end of its output.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machine's serial.")
        var serial: String
        @Argument(help: "The operation's id.")
        var id: String

        func run() throws {
            let (row, json) = try client.call("GET", "/v1/nodes/operations/\(serial)/\(id)", as: OperationRow.self)
            guard client.output == .table else { return client.print(document: json) }
            client.print(json: json, rows: [["ID", "KIND", "STATE", "EXIT", "FINISHED", "TARGET"], row.columns])
            if let output = row.output, !output.isEmpty { print("\n" + output, terminator: output.hasSuffix("\n") ? "" : "\n") }
        }
    }
}

/// One operation of `GET /v1/nodes/operations/SERIAL` (times in seconds since 1970).
struct OperationRow: Decodable {
    var id: String
    var kind: String
    var target: String
    var state: String
    var exitStatus: Int32?
    var finished: Double?
    var output: String?

    var columns: [String] {
        [
            id, kind, state, exitStatus.map { "\($0)" } ?? "-",
            finished.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-", target,
        ]
    }
}
