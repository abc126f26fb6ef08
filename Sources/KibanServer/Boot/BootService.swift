import Foundation
import KibanIO
import KibanNetboot
import KibanStore
import Logging

/// The member's netboot data plane: the ``BootServer`` (HTTP boot and TFTP on io_uring) and the
/// task that keeps its view current: load everything, then watch the store and load again after
/// each batch of relevant changes (coalesced for `coalesce`).
final class BootService: Sendable {
    let server: BootServer
    private let follower: Task<Void, Never>

    /// Starts serving on the configured ports (TFTP only when `tftp`). `crls` builds the
    /// CRLs served at `/ca/<issuer>.crl`; the view is rebuilt at least every `refresh`, so
    /// that they are re-signed well before their next update (three days).
    /// - Throws: `IOError` when a port is taken or io_uring is unavailable.
    static func start(
        store: Store, config: ServerConfig, tftp: Bool, logger: Logger,
        crls: (@Sendable () async -> [String: [UInt8]]?)? = nil,
        coalesce: Duration = .milliseconds(100), refresh: Duration = .seconds(3600)
    ) throws -> BootService {
        var log = logger
        log[metadataKey: "kiban.boot.member"] = "\(config.name)"
        let responder = BootResponder(
            memberName: config.name, blobs: BlobDirectory(dataDir: config.dataDir),
            ipxeDirectory: config.ipxeDirectory,
            defaultBaseURL: "http://\(config.advertiseAddress):\(config.httpPort)")
        let server = try BootServer.start(
            responder: responder, httpPort: UInt16(config.httpPort),
            tftpPort: tftp ? UInt16(config.tftpPort) : nil, logger: log)
        let loader = BootSnapshotLoader(store: store, logger: log, crls: crls)
        let follower = Task { await Self.follow(loader, server: server, coalesce: coalesce, refresh: refresh, logger: log) }
        log.notice(
            "serving HTTP boot and TFTP",
            metadata: [
                "kiban.boot.http": "\(server.httpEndpoint)", "kiban.boot.tftp": "\(server.tftpEndpoint.map { "\($0)" } ?? "off")",
                "kiban.boot.tftp_files": "\(server.tftp.fileNames.joined(separator: ","))",
            ])
        return BootService(server: server, follower: follower)
    }

    private init(server: BootServer, follower: Task<Void, Never>) {
        self.server = server
        self.follower = follower
    }

    func stop() {
        follower.cancel()
        server.shutdown()
    }

    /// Loads the view, then waits for a change to a watched key (or `refresh` at the latest),
    /// lets `coalesce` pass so that a burst of changes makes one load, and loads again
    /// (``StoreFollower``). A load that could not read the inventory whole is retried shortly.
    private static func follow(
        _ loader: BootSnapshotLoader, server: BootServer, coalesce: Duration, refresh: Duration,
        logger: Logger
    ) async {
        var follower = StoreFollower(store: loader.store, range: .prefix([]))
        follower.relistInterval = refresh
        follower.retryDelay = .milliseconds(500)
        follower.retryDelayMax = .seconds(1)
        follower.ended = { error in
            logger.debug("boot view not loaded, or its watch ended; loading again", metadata: ["kiban.boot.error": "\(error)"])
        }
        await follower.run(
            list: {
                let (snapshot, complete) = try await loader.load(previous: server.current)
                server.update(snapshot)
                guard complete else { throw IncompleteView() }
                return snapshot.revision
            },
            event: { event in
                guard BootSnapshotLoader.isWatched(event.kv.key) else { return .follow }
                try? await Task.sleep(for: coalesce)
                return .relist
            })
    }
}

/// A view loaded with the machines read before (the inventory was not readable whole): load again.
private struct IncompleteView: Error, CustomStringConvertible {
    var description: String { "the inventory was not readable whole" }
}
