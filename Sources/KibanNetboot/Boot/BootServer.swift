public import KibanIO
public import Logging
import Synchronization

/// The HTTP boot server and the TFTP server of one member, on one io_uring runtime. Requests are
/// answered on the ring threads from the current ``BootSnapshot``; ``update(_:)`` replaces it.
///
/// ```swift
/// let boot = try BootServer.start(responder: responder, httpPort: 10080, tftpPort: 69, logger: logger)
/// boot.update(snapshot)       // whenever the store changes
/// boot.shutdown()
/// ```
public final class BootServer: Sendable {
    /// Shared with the route handler, which exists before `self` does.
    private final class View: Sendable {
        let snapshot = Mutex(BootSnapshot())
    }

    private let view: View
    private let runtime: Mutex<IORuntime?> = Mutex(nil)
    private let ticker: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// The HTTP server (its counters feed metrics).
    public let http: HTTPServer
    /// The TFTP server.
    public let tftp: TFTPServer
    /// The HTTP endpoint bound (port 0 resolved).
    public let httpEndpoint: IPv4Endpoint
    /// The TFTP endpoint bound, or nil when TFTP is off.
    public let tftpEndpoint: IPv4Endpoint?

    /// Binds HTTP on `httpPort` and, unless `tftpPort` is nil, TFTP on `tftpPort` (0 picks a
    /// free port for either), on every address.
    /// - Throws: `IOError` when a port is taken or io_uring is unavailable.
    public static func start(
        responder: BootResponder, httpPort: UInt16, tftpPort: UInt16?,
        configuration: IOConfiguration = IOConfiguration(), logger: Logger
    ) throws -> BootServer {
        try BootServer(responder: responder, httpPort: httpPort, tftpPort: tftpPort, configuration: configuration, logger: logger)
    }

    private init(
        responder: BootResponder, httpPort: UInt16, tftpPort: UInt16?, configuration: IOConfiguration,
        logger: Logger
    ) throws {
        let view = View()
        var router = HTTPRouter()
        router.get(prefix: "/boot") { head in
            responder.respond(head, snapshot: view.snapshot.withLock { $0 })
        }
        router.get(prefix: "/ca") { head in
            responder.respondCRL(head, snapshot: view.snapshot.withLock { $0 })
        }
        var httpLogger = logger
        httpLogger[metadataKey: "kiban.boot.service"] = "http"
        let http = HTTPServer(router: router, rings: configuration.rings, logger: httpLogger)
        let tftp = TFTPServer(
            files: TFTPServer.load(directory: responder.ipxeDirectory, names: BootResponder.ipxeBinaries),
            logger: logger)
        let udp = tftpPort.map { [tftp.service(at: .any(port: $0))] } ?? []
        let runtime = try IORuntime.start(
            configuration: configuration, tcp: [http.service(at: .any(port: httpPort))],
            udp: udp, logger: logger)
        self.view = view
        self.http = http
        self.tftp = tftp
        httpEndpoint = runtime.tcpEndpoints[0]
        tftpEndpoint = runtime.udpEndpoints.first
        self.runtime.withLock { $0 = runtime }
        let task = Task { await tftp.runTimer() }
        ticker.withLock { $0 = task }
    }

    /// Replaces the view requests are answered from.
    public func update(_ new: BootSnapshot) {
        view.snapshot.withLock { $0 = new }
    }

    /// The view requests are answered from now.
    public var current: BootSnapshot { view.snapshot.withLock { $0 } }

    /// Stops serving: finishes responses in flight, joins the ring threads.
    public func shutdown() {
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        let runtime = self.runtime.withLock { r in
            let current = r
            r = nil
            return current
        }
        runtime?.shutdown()
    }
}
