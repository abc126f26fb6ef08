import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban token create|list|revoke`.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke one-time join tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a one-time token for a new member NAME.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The new member's name.")
        var name: String
        @Option(help: "How long the token is valid: 90s, 30m, 1h, 2d.")
        var ttl = "1h"

        func run() throws {
            guard let seconds = Duration.parseSeconds(ttl) else {
                throw ValidationError("--ttl must be a number followed by s, m, h or d (like 1h)")
            }
            let (answer, json) = try client.call("POST", "/v1/tokens", body: TokenCreateBody(name: name, ttlSeconds: seconds), as: [String: String].self)
            switch client.output {
            case .json, .yaml: client.print(json: json, rows: [])
            case .table: print(answer["token"] ?? "")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List unused tokens (never their secrets).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (tokens, json) = try client.call("GET", "/v1/tokens", as: [TokenInfo].self)
            client.print(
                json: json,
                rows: [["ID", "NAME", "EXPIRES"]]
                    + tokens.map {
                        [$0.id, $0.name, Date(timeIntervalSince1970: $0.expiresAt).formatted(.iso8601)]
                    })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an unused token by its ID.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The token's ID (from `kiban token list`).")
        var id: String

        func run() throws {
            let (_, json) = try client.call("DELETE", "/v1/tokens/\(id)", as: [String: String].self)
            client.print(json: json, rows: [["REVOKED"], [id]])
        }
    }
}

extension Duration {
    /// `90s`, `30m`, `1h`, `2d` → seconds.
    static func parseSeconds(_ text: String) -> Double? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }
}
