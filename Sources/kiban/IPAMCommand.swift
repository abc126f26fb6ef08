import ArgumentParser
import Foundation
import KibanInventory

/// `kiban ipam set FILE` / `kiban ipam get`: the address plan every machine address is computed from.
struct IPAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipam", abstract: "Set and show the address plan (IPAM).",
        discussion: """
            The plan uses sabakan's fields and arithmetic; a sabakan IPAM file is accepted as is. It can be set only while no machine is registered (docs/inventory.md).

            Examples:
              kiban ipam set ipam.yaml
              kiban ipam get -o yaml > ipam.yaml
            """,
        subcommands: [SetPlan.self, GetPlan.self])

    struct SetPlan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the IPAM configuration from a JSON or YAML file.",
            discussion: "Every problem in the file is listed at once; nothing changes unless it is valid.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "A JSON or YAML file with sabakan's IPAM fields, or - for standard input.")
        var file: String

        func run() throws {
            let json = try options.send("PUT", "/v1/ipam", body: ClientOptions.read(file, what: "IPAM configuration"))
            try options.printAnswer(json, field: "revision") { "IPAM configuration set (revision \($0))" }
        }
    }

    struct GetPlan: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Show the IPAM configuration.")
        @OptionGroup var options: ClientOptions

        func run() throws {
            let json = try options.send("GET", "/v1/ipam")
            let config = try options.decode(IPAMConfig.self, json, what: "IPAM configuration")
            switch options.output {
            case .table:
                let fields = (try? JSONSerialization.jsonObject(with: Data(json))) as? [String: Any] ?? [:]
                print(Table.render([["FIELD", "VALUE"]] + fields.keys.sorted().map { [$0, "\(fields[$0] ?? "")"] }), terminator: "")
            case .json, .yaml: print(try InventoryFormat.encode(config, as: options.format), terminator: "")
            }
        }
    }
}
