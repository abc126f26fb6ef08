import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanInventory

/// `kiban machines crypts list|delete SERIAL`: the disk keys node agents escrowed.
struct MachinesCryptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypts", abstract: "List or delete the disk-encryption keys a machine escrowed.",
        discussion: """
            Node agents escrow the volume key of each encrypted disk (kiban agent crypt setup); the machine fetches it at boot to open its disks. Keys are sealed at rest and are never shown: these commands see devices and times.

            The lifecycle rules are sabakan's: a machine that is retiring or retired receives no new key; its keys are deleted only while it is retiring; and it cannot become retired while keys remain. Deleting the keys makes the disks' data unreadable for good.

            Examples:
              kiban machines crypts list 1234abcd
              kiban machines set-state 1234abcd retiring
              kiban machines crypts delete 1234abcd
              kiban machines set-state 1234abcd retired
            """,
        subcommands: [List.self, Delete.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The devices of a machine that have escrowed keys, and when.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String

        func run() throws {
            let rows = try options.decode([DiskKeyView].self, options.send("GET", "/v1/machines/\(serial.pathEscaped)/crypts"), what: "disk key list")
            switch options.output {
            case .table:
                print(Table.render([["DEVICE", "ESCROWED"]] + rows.map { [$0.device, ISO8601DateFormatter().string(from: $0.escrowed)] }), terminator: "")
            case .json, .yaml: print(try InventoryFormat.encode(rows, as: options.format), terminator: "")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every disk key of a retiring machine (audited).",
            discussion: "Refused unless the machine is retiring. Its encrypted disks cannot be opened afterwards.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "The machine's serial.") var serial: String

        func run() throws {
            let json = try options.send("DELETE", "/v1/machines/\(serial.pathEscaped)/crypts")
            let answer = try options.decode(DiskKeysDeleted.self, json, what: "answer")
            switch options.output {
            case .table: print("deleted \(answer.deleted) disk key\(answer.deleted == 1 ? "" : "s") of \(serial)")
            case .json, .yaml: print(try InventoryFormat.encode(answer, as: options.format), terminator: "")
            }
        }
    }
}
