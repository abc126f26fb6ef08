import ArgumentParser
import Foundation
import KibanCA

/// `kiban ca roles set|get|list|delete`.
struct RolesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Set, show, list and delete roles (what certificates may name).",
        discussion: """
            A role is a YAML or JSON document; unknown fields are refused and every problem is listed (docs/pki.md, Roles):

              issuer: etcd
              allowed_names: ["etcd-*.dc1.example.com", "*.etcd.svc"]
              allow_ip_sans: true
              allowed_uri_sans: ["spiffe://dc1/"]
              key_usage: [digitalSignature, keyEncipherment]
              ext_key_usage: [serverAuth, clientAuth]
              key_types: [p256, ed25519, rsa2048]
              max_ttl: 720h
              generate_key: true
              allow_nodes: false

            Examples:
              kiban ca roles set etcd-peer etcd-peer.yaml
              kiban ca roles get etcd-peer -o yaml
            """,
        subcommands: [SetRole.self, GetRole.self, List.self, Delete.self])

    struct SetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Create or replace a role from a YAML or JSON file.")
        @OptionGroup var options: CAOptions
        @Argument(help: "The role's name.")
        var name: String
        @Argument(help: "A YAML or JSON role document, or - for standard input.")
        var file: String

        func run() throws {
            let json = try options.send("PUT", "/v1/ca/roles/\(CAOptions.segment(name))", body: ClientOptions.read(file, what: "role"))
            try RolesCommand.printRoles(options, json: Array("{\"\(name)\":".utf8) + json + Array("}".utf8))
        }
    }

    struct GetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a role (-o yaml gives a document for roles set).")
        @OptionGroup var options: CAOptions
        @Argument(help: "The role's name.")
        var name: String

        func run() throws {
            let json = try options.send("GET", "/v1/ca/roles/\(CAOptions.segment(name))")
            if options.client.output == .table { return try RolesCommand.printRoles(options, json: Array("{\"\(name)\":".utf8) + json + Array("}".utf8)) }
            options.client.print(document: json)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List roles.")
        @OptionGroup var options: CAOptions

        func run() throws {
            try RolesCommand.printRoles(options, json: try options.send("GET", "/v1/ca/roles"))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a role (certificates issued under it stay valid).")
        @OptionGroup var options: CAOptions
        @Argument(help: "The role's name.")
        var name: String

        func run() throws {
            let json = try options.send("DELETE", "/v1/ca/roles/\(CAOptions.segment(name))")
            options.print(json: json, rows: [["DELETED"], [name]])
        }
    }

    /// `{name: document}` as a table, or as it is.
    static func printRoles(_ options: CAOptions, json: [UInt8]) throws {
        let roles = try options.decode([String: [String: DocumentValue]].self, json)
        let text = { (value: DocumentValue?) -> String in
            switch value {
            case .string(let s)?: s
            case .strings(let a)?: a.joined(separator: ",")
            case .bool(let b)?: b ? "yes" : "no"
            case nil: ""
            }
        }
        options.print(
            json: json,
            rows: [["NAME", "ISSUER", "ALLOWED NAMES", "KEY TYPES", "MAX TTL", "GENERATE KEY"]]
                + roles.keys.sorted().map { name in
                    let r = roles[name] ?? [:]
                    return [name, text(r["issuer"]), text(r["allowed_names"]), text(r["key_types"]), text(r["max_ttl"]), text(r["generate_key"])]
                })
    }
}
