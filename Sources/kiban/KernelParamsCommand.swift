import ArgumentParser
import KibanNetboot

/// `kiban kernel-params set|get`: the kernel command line per role and per image.
struct KernelParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-params", abstract: "Set or show the kernel command line machines boot with, per role and per image.",
        discussion: """
            The boot script of a machine loads the kernel of its role's image (the newest image
            when the role is assigned none) with, in this order: the image's parameters, the
            role's parameters, kiban.serial=<serial> and kiban.config=<URL of its rendered
            configuration>. Where a parameter appears twice, Linux takes the last one, so a role
            overrides its image. Parameters are one line without '$' (iPXE would expand it).

            Example:
              kiban kernel-params set --image flatcar-4081.2 "flatcar.first_boot=1 ignition.platform.id=metal"
              kiban kernel-params set worker "console=ttyS0 panic=-1"
              kiban kernel-params get
              kiban kernel-params get --image flatcar-4081.2
            """,
        subcommands: [Set.self, Get.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set ROLE's kernel parameters, or with --image those of an image.",
            discussion: """
                kiban kernel-params set ROLE PARAMS
                kiban kernel-params set --image ID PARAMS
                Quote the parameters as one argument. An image's parameters are deleted with it.
                """)
        @OptionGroup var client: ClientOptions
        @Option(help: "Set the parameters of this image (they come before the role's) instead of a role's.")
        var image: String?
        @Argument(
            help: ArgumentHelp(
                "The role, then the parameters, e.g. worker \"console=ttyS0 quiet\"; with --image the parameters only.",
                valueName: "role-and-params"))
        var arguments: [String] = []

        func validate() throws {
            let expected = image == nil ? 2 : 1
            guard arguments.count == expected else {
                throw ValidationError(
                    image == nil
                        ? "give a role and its parameters as one quoted argument: kiban kernel-params set ROLE \"PARAMS\""
                        : "with --image give only the parameters, quoted as one argument: kiban kernel-params set --image ID \"PARAMS\"")
            }
        }

        func run() throws {
            if let image {
                let (record, json) = try client.call(
                    "PUT", "/v1/image-kernel-params/\(image.queryEscaped)",
                    body: ["params": arguments[0]], as: ImageKernelParamsRecord.self)
                return client.print(json: json, rows: [["IMAGE", "PARAMS"], [record.image, record.params]])
            }
            let (record, json) = try client.call(
                "PUT", "/v1/kernel-params/\(arguments[0].queryEscaped)",
                body: ["params": arguments[1]], as: KernelParamsRecord.self)
            client.print(json: json, rows: [["ROLE", "PARAMS"], [record.role, record.params]])
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every role's kernel parameters, or ROLE's; with --image or --images, those of images.")
        @OptionGroup var client: ClientOptions
        @Argument var role: String?
        @Option(help: "Show this image's parameters.") var image: String?
        @Flag(help: "Show every image's parameters.") var images = false

        func run() throws {
            if images || image != nil {
                let path = image.map { "/v1/image-kernel-params/\($0.queryEscaped)" } ?? "/v1/image-kernel-params"
                let (records, json) = try client.call("GET", path, as: [ImageKernelParamsRecord].self)
                return client.print(json: json, rows: [["IMAGE", "PARAMS"]] + records.map { [$0.image, $0.params] })
            }
            let path = role.map { "/v1/kernel-params/\($0.queryEscaped)" } ?? "/v1/kernel-params"
            let (records, json) = try client.call("GET", path, as: [KernelParamsRecord].self)
            client.print(json: json, rows: [["ROLE", "PARAMS"]] + records.map { [$0.role, $0.params] })
        }
    }
}
