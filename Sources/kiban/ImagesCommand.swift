import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanServer

/// `kiban images upload|list|delete|keep`.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Boot images (a kernel and an initrd), replicated to every member.",
        discussion: """
            An upload is stored once, verified by SHA-256, on the member it was sent to; every other \
            member then fetches it from a member that has it. Only the newest images are kept \
            (5 unless `kiban images keep N` says otherwise). A deleted id is not accepted again \
            unless --force is given, so an old image cannot come back by mistake.

            A machine boots the image assigned to its role (`kiban images assign ROLE ID`); a \
            role without one boots the newest image. An assigned image is never deleted: \
            `delete` refuses it and retention keeps it.

            Example:
              kiban images upload flatcar-4081.2 --kernel flatcar_production_pxe.vmlinuz \\
                  --initrd flatcar_production_pxe_image.cpio.gz
              kiban images assign worker flatcar-4081.2
              kiban images list
            """,
        subcommands: [Upload.self, List.self, Delete.self, Keep.self, Assign.self, Unassign.self, Roles.self])

    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload an image: its kernel and initrd (up to 4 GiB each).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The image id (letters, digits, '.', '_', '-'), e.g. flatcar-4081.2.0.")
        var id: String
        @Option(help: "The kernel file.")
        var kernel: String
        @Option(help: "The initrd file.")
        var initrd: String
        @Flag(help: "Replace an existing image, or reuse the id of a deleted one.")
        var force = false

        func run() throws {
            try kiban.Upload(client: client, files: [("kernel", kernel), ("initrd", initrd)]).run(as: ImageView.self) { sizes in
                "/v1/images/\(ImagesCommand.escape(id))?kernelSize=\(sizes[0])&initrdSize=\(sizes[1])&force=\(force)"
            } rows: {
                ImagesCommand.rows([$0])
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List images, newest first, with the members holding each and the roles assigned each.")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (images, json) = try client.call("GET", "/v1/images", as: [ImageView].self)
            client.print(json: json, rows: ImagesCommand.rows(images))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an image (its files are removed from every member after a grace period).",
            discussion: "Refused while a role is assigned the image: assign another image or unassign the role first.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The image id.")
        var id: String

        func run() throws {
            let (_, json) = try client.call("DELETE", "/v1/images/\(ImagesCommand.escape(id))", as: [String: String].self)
            client.print(json: json, rows: [["DELETED"], [id]])
        }
    }

    struct Keep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set how many images are kept (the oldest beyond it are deleted at the next upload).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The number of images to keep (1 to 1000); omit to show it.")
        var count: Int?

        func run() throws {
            let (settings, json) =
                try count.map { try client.call("PUT", "/v1/image-settings", body: ImageSettingsView(kept: $0), as: ImageSettingsView.self) }
                ?? client.call("GET", "/v1/image-settings", as: ImageSettingsView.self)
            client.print(json: json, rows: [["KEPT"], ["\(settings.kept)"]])
        }
    }

    static func rows(_ images: [ImageView]) -> [[String]] {
        [["ID", "UPLOADED", "KERNEL", "INITRD", "MEMBERS", "ROLES"]]
            + images.map {
                [
                    $0.id, $0.uploaded, ByteCount.human($0.kernel.size), ByteCount.human($0.initrd.size),
                    $0.members.isEmpty ? "-" : $0.members.joined(separator: ","),
                    $0.roles.isEmpty ? "-" : $0.roles.joined(separator: ","),
                ]
            }
    }

    /// A path segment with everything but unreserved characters percent-encoded.
    static func escape(_ segment: String) -> String {
        AdminRoute.escape(segment)
    }
}
