import ArgumentParser
import Foundation
import KibanAdminAPI

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
            let body = NodeTokenBody(serial: serial, rack: rack, role: role, ttlSeconds: seconds, force: force)
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
            let (tokens, json) = try client.call("GET", "/v1/nodes/tokens", as: [NodeTokenView].self)
            client.print(
                json: json,
                rows: [["ID", "FOR", "FORCE", "EXPIRES", "CREATED BY"]]
                    + tokens.map {
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
