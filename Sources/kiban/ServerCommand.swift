import ArgumentParser
import Foundation
import KibanServer
import Logging

/// `kiban server`: the daemon (systemd `Type=notify`).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Kiban daemon (flags override the configuration file).")

    @OptionGroup var member: MemberSettings
    @Option(help: "Admin API Unix socket.")
    var socket: String?
    @Option(help: "HTTP boot port.")
    var httpPort: Int?
    @Option(help: "DHCP port.")
    var dhcpPort: Int?
    @Option(help: "Address the DHCP server binds (default 0.0.0.0: every interface).")
    var dhcpAddress: String?
    @Option(help: "TFTP port.")
    var tftpPort: Int?
    @Option(help: "Metrics port: Prometheus text at /metrics, the status page at / (default 10081).")
    var metricsPort: Int?
    @Option(help: "Address the metrics port binds (default 0.0.0.0).")
    var metricsAddress: String?
    @Option(help: "Node API port: agents enroll and report over HTTPS (default 10443).")
    var nodePort: Int?
    @Option(help: "Address the node API binds (default 0.0.0.0).")
    var nodeAddress: String?
    @Option(help: "Applied entries between snapshots (the log before one is dropped; at least 10).")
    var snapshotCount: UInt64?
    @Option(help: "Directory of the iPXE binaries served over HTTP and TFTP.")
    var ipxeDir: String?

    func run() async throws {
        // Everything the daemon creates is its own unless it says otherwise (the admin socket is
        // 0660 for group kiban): a `kiban server` started by hand must not leave the store or a
        // key readable by others, as the systemd unit's UMask=0077 already ensures.
        umask(0o077)
        var settings = try member.load()
        if let socket { settings.socketPath = socket }
        if let httpPort { settings.httpPort = httpPort }
        if let dhcpPort { settings.dhcpPort = dhcpPort }
        if let tftpPort { settings.tftpPort = tftpPort }
        if let metricsPort { settings.metricsPort = metricsPort }
        if let metricsAddress { settings.metricsAddress = metricsAddress }
        if let nodePort { settings.nodePort = nodePort }
        if let nodeAddress { settings.nodeAddress = nodeAddress }
        if let snapshotCount {
            guard snapshotCount >= 10 else { throw ValidationError("--snapshot-count must be at least 10") }
            settings.snapshotCount = snapshotCount
        }
        if let dhcpAddress { settings.dhcpAddress = dhcpAddress }
        if let ipxeDir { settings.ipxeDirectory = ipxeDir }
        LoggingSystem.bootstrap { StreamLogHandler.standardOutput(label: $0) }
        var logger = Logger(label: "kiban")
        logger[metadataKey: "kiban.server.name"] = "\(settings.name)"
        // Tests shorten member certificates to watch renewal happen; never set in production.
        let validity = ProcessInfo.processInfo.environment["KIBAN_MEMBER_CERTIFICATE_SECONDS"].flatMap(Double.init)
            .flatMap { $0.isFinite ? min(max($0, 20), 10 * 365 * 86_400) : nil }
        let daemon = Daemon(config: settings, logger: logger, memberCertificateValidity: validity ?? 365 * 86_400)
        // The member, the metrics port and the admin socket, in that order, until SIGTERM or
        // SIGINT stops them in reverse (docs/architecture.md, "The daemon's services").
        try await DaemonServices.run(
            daemon, socketPath: settings.socketPath, logger: logger,
            ready: { SystemdNotify.send("READY=1") }, stopping: { SystemdNotify.send("STOPPING=1") })
    }
}

/// Waits for the first of some signals (which are then no longer fatal to the process).
enum Signals {
    static func wait(for signals: [Int32]) async -> Int32 {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        for await number in stream { return number }
        return SIGTERM
    }
}
