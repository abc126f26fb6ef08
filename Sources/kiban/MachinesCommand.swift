import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanInventory

/// `kiban machines import|get|set-state|set-label|remove-label|set-retire-date|remove|crypts`.
struct MachinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machines", abstract: "Register, query and change machines.",
        discussion: """
            Machines follow sabakan's model: the serial is the key, the index in the rack and every address are computed from the IPAM configuration (kiban ipam set FILE first).

            Examples:
              kiban machines import machines.json
              kiban machines get --rack 1 --state healthy
              kiban machines set-state 1234abcd retiring
              kiban machines set-label 1234abcd product R630
              kiban machines set-retire-date 1234abcd 2030-01-01T00:00:00Z
              kiban machines remove 1234abcd
              kiban machines crypts list 1234abcd
            """,
        subcommands: [
            Import.self, MachinesGetCommand.self, SetState.self, SetLabel.self, RemoveLabel.self,
            SetRetireDate.self, Remove.self, MachinesCryptsCommand.self,
        ])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register every machine of a JSON or YAML list (sabakan's machines file as is).",
            discussion: """
                All or nothing: every problem in the file (duplicate serial, a second boot server in a rack, a full rack, a missing field) is listed at once and nothing is registered. Thousands of machines go in one call.

                Example file:
                  [{"serial": "1234abcd", "rack": 1, "role": "boot", "bmc": {"type": "iDRAC-9"}},
                   {"serial": "2345bcde", "rack": 1, "role": "cs", "labels": {"product": "R630"},
                    "bmc": {"type": "IPMI-2.0"}}]
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "A JSON or YAML list of machines, or - for standard input.")
        var file: String

        func run() throws {
            let json = try options.send("POST", "/v1/machines", body: ClientOptions.read(file, what: "machine list"))
            try options.printAnswer(json, field: "imported") { "\($0) machine\($0 == 1 ? "" : "s") registered" }
        }
    }

    struct SetState: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-state",
            abstract: "Move a machine to another lifecycle state.",
            discussion: """
                States: \(MachineState.allCases.map(\.rawValue).joined(separator: ", ")). A move the transition table does not allow is refused with the allowed states listed.
                """)
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String
        @Argument(help: "The new state.") var state: String

        func run() throws {
            try options.printMachine(options.send("PUT", "/v1/machines/\(serial.pathEscaped)/state", json: ["state": state]))
        }
    }

    struct SetLabel: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-label", abstract: "Set a machine's label KEY to VALUE.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String
        @Argument(help: "The label's name.") var key: String
        @Argument(help: "The label's value.") var value: String

        func run() throws {
            try options.printMachine(
                options.send(
                    "PUT", "/v1/machines/\(serial.pathEscaped)/labels/\(key.pathEscaped)",
                    json: ["value": value]))
        }
    }

    struct RemoveLabel: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-label", abstract: "Remove a machine's label KEY.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String
        @Argument(help: "The label's name.") var key: String

        func run() throws {
            try options.printMachine(options.send("DELETE", "/v1/machines/\(serial.pathEscaped)/labels/\(key.pathEscaped)"))
        }
    }

    struct SetRetireDate: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-retire-date", abstract: "Set when a machine is due to retire.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String
        @Argument(help: "An RFC 3339 time (2030-01-01T00:00:00Z) or a day (20300101).") var date: String

        func run() throws {
            try options.printMachine(options.send("PUT", "/v1/machines/\(serial.pathEscaped)/retire-date", json: ["date": date]))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a retired machine (set-state retiring, then retired, first).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String

        func run() throws {
            _ = try options.send("DELETE", "/v1/machines/\(serial.pathEscaped)")
            switch options.output {
            case .table: print("machine \(serial) removed")
            case .json, .yaml: print(try InventoryFormat.encode(["removed": serial], as: options.format), terminator: "")
            }
        }
    }
}

extension String {
    /// The string as one path segment.
    var pathEscaped: String {
        AdminRoute.escape(self)
    }
}
