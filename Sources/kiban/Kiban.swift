import ArgumentParser

/// The `kiban` command line: server, cluster lifecycle and administration.
@main
struct Kiban: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiban",
        abstract: "Boot-server software for bare-metal data centers.",
        subcommands: [Dev.self]
    )
}
