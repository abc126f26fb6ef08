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
    static func start(store: Store, config: ServerConfig, tftp: Bool, logger: Logger,
                      crls: (@Sendable () async -> [String: [UInt8]]?)? = nil,
                      coalesce: Duration = .milliseconds(100), refresh: Duration = .seconds(3600)) throws -> BootService {
        var log = logger
        log[metadataKey: "kiban.boot.member"] = "\(config.name)"
        let responder = BootResponder(memberName: config.name, blobs: BlobDirectory(dataDir: config.dataDir),
                                      ipxeDirectory: config.ipxeDirectory,
                                      defaultBaseURL: "http://\(config.advertiseAddress):\(config.httpPort)")
        let server = try BootServer.start(responder: responder, httpPort: UInt16(config.httpPort),
                                          tftpPort: tftp ? UInt16(config.tftpPort) : nil, logger: log)
        let loader = BootSnapshotLoader(store: store, logger: log, crls: crls)
        let follower = Task { await Self.follow(loader, server: server, coalesce: coalesce, refresh: refresh, logger: log) }
        log.notice("serving HTTP boot and TFTP", metadata: [
            "kiban.boot.http": "\(server.httpEndpoint)", "kiban.boot.tftp": "\(server.tftpEndpoint.map { "\($0)" } ?? "off")",
            "kiban.boot.tftp_files": "\(server.tftp.fileNames.joined(separator: ","))"])
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

    private static func follow(_ loader: BootSnapshotLoader, server: BootServer, coalesce: Duration, refresh: Duration,
                               logger: Logger) async {
        while !Task.isCancelled {
            let revision: Int64
            do {
                let (snapshot, complete) = try await loader.load(previous: server.current)
                server.update(snapshot)
                revision = snapshot.revision
                if !complete {
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
            } catch {
                logger.debug("boot view not loaded; retrying", metadata: ["kiban.boot.error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            await waitForChange(loader, after: revision, atMost: refresh, logger: logger)
            try? await Task.sleep(for: coalesce)
        }
    }

    /// Returns when a watched key changes after `revision`, or after `refresh` at the latest.
    private static func waitForChange(_ loader: BootSnapshotLoader, after revision: Int64, atMost refresh: Duration,
                                      logger: Logger) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await event in try await loader.store.watch(.prefix([]), from: revision + 1)
                    where BootSnapshotLoader.isWatched(event.kv.key) {
                        break
                    }
                } catch {
                    logger.debug("boot view watch ended; loading again", metadata: ["kiban.boot.error": "\(error)"])
                }
            }
            group.addTask { try? await Task.sleep(for: refresh) }
            await group.next()
            group.cancelAll()
        }
    }
}
