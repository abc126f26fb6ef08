import ArgumentParser
import KibanServer

/// The flags that say which member this host runs, over kiban.yaml: shared by `kiban server`
/// and `kiban snapshot restore`, which must agree on them.
struct MemberSettings: ParsableArguments {
    @Option(help: "Local configuration file.")
    var config = "/etc/kiban/kiban.yaml"
    @Option(help: "This member's name.")
    var name: String?
    @Option(help: "The IPv4 address peers use to reach this member.")
    var advertiseAddress: String?
    @Option(help: "Data directory.")
    var dataDir: String?
    @Option(help: "Peer (Raft and join) TCP port.")
    var peerPort: Int?

    /// The configuration file (optional at its default path) with these flags over it.
    func load() throws -> ServerConfig {
        var settings = try ServerConfig.load(path: config, required: config != "/etc/kiban/kiban.yaml")
        if let name { settings.name = name }
        if let advertiseAddress { settings.advertiseAddress = advertiseAddress }
        if let dataDir { settings.dataDir = dataDir }
        if let peerPort { settings.peerPort = peerPort }
        return settings
    }
}
