import ArgumentParser
import Foundation
import KibanServer

/// `kiban agent crypt setup|open|check DEVICE…` (docs/nodes.md, "Encrypted disks").
struct AgentCryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypt", abstract: "Encrypt disks with LUKS2, their keys escrowed in the cluster, and open them at boot.",
        discussion: """
            A device is named as sdb, /dev/nvme0n1 or /dev/disk/by-path/NAME (stable across boots: prefer it); its key is escrowed under that name (by-path-NAME) for this machine only, and it is opened as /dev/mapper/crypt-NAME. Keys never touch the disk, a log or a command line: they reach cryptsetup on its standard input. Needs root and cryptsetup (apt install cryptsetup-bin).
            """,
        subcommands: [Setup.self, Open.self, Check.self])

    /// What the three subcommands share.
    struct Options: ParsableArguments {
        @OptionGroup var common: AgentCommand.Common
        @Argument(help: "The devices (sdb, /dev/sdb, /dev/disk/by-path/NAME).")
        var devices: [String]

        func validate() throws {
            if devices.isEmpty { throw ValidationError("give at least one device") }
        }

        func run(_ action: NodeAgent.CryptAction) async throws {
            let lines = try await NodeAgent.crypt(action, devices, stateDir: common.stateDir, servers: common.servers, logger: common.logger())
            for line in lines { print(line) }
        }
    }

    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Format each device that is not LUKS yet (erasing it) and open it; open those that are.",
            discussion:
                "For a device that is not LUKS, a random 64-byte key is escrowed in the cluster first, then the device is formatted (LUKS2) with it and opened. A key escrowed by an interrupted setup is reused. A LUKS device is opened with its escrowed key."
        )
        @OptionGroup var options: Options

        func run() async throws { try await options.run(.setup) }
    }

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open each LUKS device with its escrowed key (at boot, before what mounts it).",
            discussion: "Never formats: a device that is not LUKS is an error. A device already open is left as it is.")
        @OptionGroup var options: Options

        func run() async throws { try await options.run(.open) }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the escrowed key of each device opens it, without opening it.")
        @OptionGroup var options: Options

        func run() async throws { try await options.run(.check) }
    }
}
