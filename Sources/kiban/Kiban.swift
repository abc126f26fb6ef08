import ArgumentParser

/// The `kiban` command line: server, cluster lifecycle and administration. Every command but
/// `server` and `dev` talks to a daemon over its admin socket.
@main
struct Kiban: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiban",
        abstract: "Boot-server software for bare-metal data centers.",
        subcommands: [
            ServerCommand.self, InitCommand.self, TokenCommand.self, JoinCommand.self,
            MembersCommand.self, StatusCommand.self, KVCommand.self, SnapshotCommand.self, DHCPCommand.self, ImagesCommand.self, AssetsCommand.self,
            TemplatesCommand.self, KernelParamsCommand.self,
            IPAMCommand.self, MachinesCommand.self, NodesCommand.self, AgentCommand.self, K8sCommand.self, LogsCommand.self, AuditCommand.self, CACommand.self,
            Dev.self,
        ]
    )
}
