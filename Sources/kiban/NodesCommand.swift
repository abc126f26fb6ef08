import ArgumentParser
import Foundation

/// `kiban nodes list` and `kiban nodes token create|list|revoke` (docs/nodes.md).
struct NodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List machines' health and agents; create node tokens.",
        subcommands: [List.self, NodeTokenCommand.self, NodeChecksCommand.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List machines with their state, last heartbeat, agent version and node certificate expiry.",
            discussion: "The last heartbeat is the leader's memory: run it on the leader (kiban status) to see it.")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (nodes, json) = try client.call("GET", "/v1/nodes", as: [NodeRow].self)
            client.print(json: json, rows: [["SERIAL", "STATE", "LAST HEARTBEAT", "AGENT", "CERTIFICATE EXPIRES"]] + nodes.map {
                [$0.serial, $0.state, $0.lastHeartbeat.map(Self.ago) ?? "-", $0.agentVersion ?? "-",
                 $0.certificateNotAfter.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "-"]
            })
        }

        static func ago(_ unixSeconds: Double) -> String {
            "\(max(0, Int(Date().timeIntervalSince1970 - unixSeconds))) s ago"
        }
    }
}

/// `kiban nodes checks set|get ROLE`.
struct NodeChecksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checks", abstract: "Set and show the health checks agents of a role run.",
        subcommands: [Set.self, Get.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the checks of ROLE from a YAML or JSON list (an empty file removes them).",
            discussion: """
                Each check has a name and exactly one of: unit (a systemd unit that must be active), path (a path that must exist), command (argv that must exit 0 within timeout-seconds, 1 to 60, default 10). A failing check makes a healthy machine unhealthy at its next heartbeat; at most 32 per role.

                Example file:
                  - {name: kubelet, unit: kubelet.service}
                  - {name: data-disk, path: /dev/disk/by-id/nvme-eui.0001}
                  - {name: ntp, command: [chronyc, waitsync, "1"], timeout-seconds: 5}
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The role (as machines are registered with).")
        var role: String
        @Argument(help: "A YAML or JSON list of checks, or - for standard input.")
        var file: String

        func run() throws {
            let (status, json) = try AdminClient(socketPath: client.socketPath)
                .call("PUT", "/v1/nodes/checks/\(role)", body: try InventoryOptions.read(file, what: "check list"))
            try ClientOptions.check(status: status, json)
            client.print(json: json, rows: [["ROLE", "CHECKS"], [role, "\(((try? JSONSerialization.jsonObject(with: Data(json))) as? [Any])?.count ?? 0)"]])
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the checks of ROLE.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The role.")
        var role: String

        func run() throws {
            let (checks, json) = try client.call("GET", "/v1/nodes/checks/\(role)", as: [CheckRow].self)
            client.print(json: json, rows: [["NAME", "KIND", "WHAT"]] + checks.map { check in
                if let unit = check.unit { return [check.name, "unit", unit] }
                if let path = check.path { return [check.name, "path", path] }
                return [check.name, "command", (check.command ?? []).joined(separator: " ")]
            })
        }
    }
}

/// One check of `GET /v1/nodes/checks/ROLE`.
struct CheckRow: Decodable {
    var name: String
    var unit: String?
    var path: String?
    var command: [String]?
}

/// `kiban nodes token create|list|revoke`.
struct NodeTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke one-time node tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a one-time token that enrolls machine SERIAL (or one machine of --rack or --role).",
            discussion: "Give it to `kiban agent join` on the machine. It works once, expires after --ttl (at most 7 days), and pins this cluster's CA.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machine's serial (as in the inventory).")
        var serial: String?
        @Option(help: "Admit one machine of this rack instead of a serial.")
        var rack: Int?
        @Option(help: "Admit one machine of this role instead of a serial.")
        var role: String?
        @Flag(help: "Re-enroll a machine that still holds a valid node certificate (the old one is revoked).")
        var force = false
        @Option(help: "How long the token is valid: 90s, 30m, 1h, 2d.")
        var ttl = "1h"

        func run() throws {
            guard let seconds = Duration.parseSeconds(ttl) else {
                throw ValidationError("--ttl must be a number followed by s, m, h or d (like 1h)")
            }
            guard [serial != nil, rack != nil, role != nil].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of SERIAL, --rack or --role")
            }
            let body = NodeTokenRequest(serial: serial, rack: rack, role: role, ttlSeconds: seconds, force: force)
            let (answer, json) = try client.call("POST", "/v1/nodes/tokens", body: body, as: [String: String].self)
            switch client.output {
            case .json, .yaml: client.print(json: json, rows: [])
            case .table: print(answer["token"] ?? "")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List unused node tokens (never their secrets).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (tokens, json) = try client.call("GET", "/v1/nodes/tokens", as: [NodeTokenRow].self)
            client.print(json: json, rows: [["ID", "FOR", "FORCE", "EXPIRES", "CREATED BY"]] + tokens.map {
                [$0.id, $0.scope, $0.force ? "yes" : "no", Date(timeIntervalSince1970: $0.expiresAt).formatted(.iso8601), $0.createdBy]
            })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an unused node token by its ID.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The token's ID (from `kiban nodes token list`).")
        var id: String

        func run() throws {
            let (_, json) = try client.call("DELETE", "/v1/nodes/tokens/\(id)", as: [String: String].self)
            client.print(json: json, rows: [["REVOKED"], [id]])
        }
    }
}

struct NodeTokenRequest: Encodable {
    var serial: String?
    var rack: Int?
    var role: String?
    var ttlSeconds: Double
    var force: Bool
}

struct NodeTokenRow: Decodable {
    var id: String
    var scope: String
    var force: Bool
    var expiresAt: Double
    var createdBy: String
}

/// One machine of `GET /v1/nodes` (times in seconds since 1970).
struct NodeRow: Decodable {
    var serial: String
    var state: String
    var lastHeartbeat: Double?
    var agentVersion: String?
    var certificateNotAfter: Double?
}
