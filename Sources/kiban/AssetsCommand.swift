import ArgumentParser
import Foundation
import KibanServer

/// `kiban assets upload|list|info|delete`.
struct AssetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assets",
        abstract: "Named files machines fetch while booting, replicated to every member.",
        discussion: """
            An asset is any file up to 4 GiB (an ignition fragment, a container image, a tool). \
            Uploading a name again replaces its content. The content type is guessed from the file \
            name unless --content-type gives it.

            Example:
              kiban assets upload sabakan-cryptsetup ./sabakan-cryptsetup --content-type application/octet-stream
              kiban assets info sabakan-cryptsetup -o json
            """,
        subcommands: [Upload.self, List.self, Info.self, Delete.self])

    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Upload (or replace) an asset.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The asset name (letters, digits, '.', '_', '-').")
        var name: String
        @Argument(help: "The file.")
        var file: String
        @Option(help: "The Content-Type machines get (default: guessed from the file name).")
        var contentType: String?

        func run() throws {
            let type = contentType ?? ContentTypeGuess.forFileName(file)
            try kiban.Upload(client: client, files: [("asset", file)]).run(as: AssetView.self) { sizes in
                "/v1/assets/\(ImagesCommand.escape(name))?size=\(sizes[0])&contentType=\(ImagesCommand.escape(type))"
            } rows: {
                AssetsCommand.rows([$0])
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List assets with the members holding each.")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (assets, json) = try client.call("GET", "/v1/assets", as: [AssetView].self)
            client.print(json: json, rows: AssetsCommand.rows(assets))
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one asset: type, size, SHA-256, members.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The asset name.")
        var name: String

        func run() throws {
            let (a, json) = try client.call("GET", "/v1/assets/\(ImagesCommand.escape(name))", as: AssetView.self)
            client.print(
                json: json,
                rows: [
                    ["NAME", a.name], ["CONTENT-TYPE", a.contentType], ["SIZE", "\(a.blob.size) (\(ByteCount.human(a.blob.size)))"],
                    ["SHA256", a.blob.sha256], ["UPLOADED", a.uploaded], ["MEMBERS", a.members.isEmpty ? "-" : a.members.joined(separator: ",")],
                ])
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an asset (its file is removed from every member after a grace period).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The asset name.")
        var name: String

        func run() throws {
            let (_, json) = try client.call("DELETE", "/v1/assets/\(ImagesCommand.escape(name))", as: [String: String].self)
            client.print(json: json, rows: [["DELETED"], [name]])
        }
    }

    static func rows(_ assets: [AssetView]) -> [[String]] {
        [["NAME", "CONTENT-TYPE", "SIZE", "SHA256", "UPLOADED", "MEMBERS"]]
            + assets.map {
                [
                    $0.name, $0.contentType, ByteCount.human($0.blob.size), String($0.blob.sha256.prefix(12)), $0.uploaded,
                    $0.members.isEmpty ? "-" : $0.members.joined(separator: ","),
                ]
            }
    }
}
