import ArgumentParser
import Foundation
import KibanAdminAPI

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
            let json = try client.send("PUT", "/v1/nodes/checks/\(role)", body: try ClientOptions.read(file, what: "check list"))
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
            client.print(
                json: json,
                rows: [["NAME", "KIND", "WHAT"]]
                    + checks.map { check in
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
