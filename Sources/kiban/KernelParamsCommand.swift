import ArgumentParser

/// `kiban kernel-params set|get`: the kernel command line per role.
struct KernelParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-params", abstract: "Set or show the kernel command line machines of a role boot with.",
        discussion: """
            The boot script of a machine loads the newest image's kernel with its role's
            parameters, followed by kiban.serial=<serial> and kiban.config=<URL of its rendered
            configuration>. Parameters are one line without '$' (iPXE would expand it).

            Example:
              kiban kernel-params set worker "console=ttyS0 panic=-1 ignition.platform.id=metal"
              kiban kernel-params get
            """,
        subcommands: [Set.self, Get.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set ROLE's kernel parameters (quote them as one argument).")
        @OptionGroup var client: ClientOptions
        @Argument var role: String
        @Argument(help: "The parameters, e.g. \"console=ttyS0 quiet\".") var params: String

        func run() throws {
            let (record, json) = try client.call("PUT", "/v1/kernel-params/\(role.queryEscaped)",
                                                 body: ["params": params], as: KernelParamsView.self)
            client.print(json: json, rows: [["ROLE", "PARAMS"], [record.role, record.params]])
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every role's kernel parameters, or ROLE's.")
        @OptionGroup var client: ClientOptions
        @Argument var role: String?

        func run() throws {
            let path = role.map { "/v1/kernel-params/\($0.queryEscaped)" } ?? "/v1/kernel-params"
            let (records, json) = try client.call("GET", path, as: [KernelParamsView].self)
            client.print(json: json, rows: [["ROLE", "PARAMS"]] + records.map { [$0.role, $0.params] })
        }
    }
}

struct KernelParamsView: Decodable {
    var role: String
    var params: String
}
