import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban templates set|get|list|delete`: per-role configuration templates (Ignition,
/// cloud-config), versioned, rendered per machine by the HTTP boot server.
struct TemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Manage the per-role configuration templates machines fetch at boot.",
        discussion: """
            A template is Mustache text rendered for each machine at
            http://<boot server>:10080/boot/machines/<serial>/config, whose URL machines find in
            their kernel command line (kiban.config=…). Variables: serial, rack, index, role,
            state, address, addresses, gateway, gateways, bmc_address, labels.<name>, label_list,
            ca_certificate, ca_certificate_json, assets.<name>, asset_list, boot_server,
            config_url (docs/netboot.md). Values are inserted as they are (no HTML escaping).

            Versions never change once set; machines get the newest version of their role, and
            the 5 newest versions of each role are kept. A template that does not parse, or
            that looks like JSON but renders to invalid JSON, is refused when set.

            Example:
              kiban templates set worker v1 worker.ign.mustache
              kiban templates list
              kiban templates get worker        # the newest version's text
            """,
        subcommands: [Set.self, Get.self, List.self, Delete.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store FILE as version VERSION of ROLE's template (- reads stdin).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The machines' role (letters, digits, '.', '_', '-').") var role: String
        @Argument(help: "A new version name, e.g. v2 or 2026-11-26.") var version: String
        @Argument(help: "The template file, or - for standard input.") var file: String

        func run() throws {
            let text: String
            do {
                let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
                text = String(decoding: data, as: UTF8.self)
            } catch {
                throw AdminClient.Failure(description: "cannot read \(file): \(error.localizedDescription)")
            }
            let (info, json) = try client.call(
                "PUT", "/v1/templates/\(role.queryEscaped)",
                body: TemplateSetBody(version: version, template: text), as: TemplateInfo.self)
            client.print(json: json, rows: TemplateInfo.header + [info.row])
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a template's text: the newest version, or VERSION.")
        @OptionGroup var client: ClientOptions
        @Argument var role: String
        @Argument var version: String?

        func run() throws {
            let query = version.map { "?version=\($0.queryEscaped)" } ?? ""
            let (info, json) = try client.call("GET", "/v1/templates/\(role.queryEscaped)\(query)", as: TemplateInfo.self)
            switch client.output {
            case .json, .yaml: client.print(document: json)
            case .table: print(info.template ?? "", terminator: "")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List template versions (every role, or one).")
        @OptionGroup var client: ClientOptions
        @Option(help: "Only this role.") var role: String?

        func run() throws {
            let query = role.map { "?role=\($0.queryEscaped)" } ?? ""
            let (list, json) = try client.call("GET", "/v1/templates\(query)", as: [TemplateInfo].self)
            client.print(json: json, rows: TemplateInfo.header + list.map(\.row))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one version of a role's template.")
        @OptionGroup var client: ClientOptions
        @Argument var role: String
        @Argument var version: String

        func run() throws {
            let (_, json) = try client.call(
                "DELETE", "/v1/templates/\(role.queryEscaped)?version=\(version.queryEscaped)",
                as: [String: String].self)
            client.print(json: json, rows: [["ROLE", "DELETED"], [role, version]])
        }
    }
}

/// A template version as a table row.
extension TemplateInfo {
    static let header = [["ROLE", "VERSION", "CREATED", "BYTES", "CURRENT"]]
    var row: [String] {
        [role, version, Date(timeIntervalSince1970: created).formatted(.iso8601), "\(bytes)", current ? "*" : ""]
    }
}
