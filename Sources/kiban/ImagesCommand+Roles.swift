import ArgumentParser
import KibanServer

/// `kiban images assign|unassign|roles`: which image each role boots.
extension ImagesCommand {
    struct Assign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make machines of ROLE boot image ID (instead of the newest image).",
            discussion: """
                The image must exist; while a role is assigned an image, `kiban images delete` \
                refuses to delete it and retention keeps it.

                Example:
                  kiban images assign worker flatcar-4081.2.0
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The role, as in the machines' inventory records.") var role: String
        @Argument(help: "The image id (see kiban images list).") var id: String

        func run() throws {
            let (record, json) = try client.call(
                "PUT", "/v1/role-images/\(ImagesCommand.escape(role))",
                body: RoleImageBody(image: id), as: RoleImageView.self)
            client.print(json: json, rows: [["ROLE", "IMAGE"], [record.role, record.image]])
        }
    }

    struct Unassign: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make machines of ROLE boot the newest image again.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The role.") var role: String

        func run() throws {
            let (answer, json) = try client.call("DELETE", "/v1/role-images/\(ImagesCommand.escape(role))", as: [String: String].self)
            client.print(json: json, rows: [["ROLE", "UNASSIGNED"], [role, answer["unassigned"] ?? ""]])
        }
    }

    struct Roles: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the roles that are assigned an image (every other role boots the newest image).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (records, json) = try client.call("GET", "/v1/role-images", as: [RoleImageView].self)
            client.print(
                json: json,
                rows: [["ROLE", "IMAGE", "ASSIGNED"]]
                    + records.map { [$0.role, $0.image, $0.assigned] })
        }
    }
}
