import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The admin API: HTTP/1.1 + JSON on a Unix socket (docs/admin-api.md). Every request carries
/// its caller's credentials (SO_PEERCRED) to the router for the audit record.
public final class AdminServer: Sendable {
    typealias Part = HTTPServerResponsePart
    private let channel: any Channel
    private let task: Task<Void, Never>
    private let lockFD: Int32

    private init(channel: any Channel, task: Task<Void, Never>, lockFD: Int32) {
        self.channel = channel
        self.task = task
        self.lockFD = lockFD
    }

    /// Locks, binds and serves `path` for `daemon`.
    /// - Throws: ``ServerError`` `conflict` when another daemon serves the path, `config`.
    public static func start(path: String, daemon: Daemon, logger: Logger) async throws(ServerError) -> AdminServer {
        let lockFD = try SocketGuard.lock(socketPath: path)
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, Part>, Never>
        do {
            // The lock is ours, so a file at the path is a dead daemon's leftover.
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return try NIOAsyncChannel<HTTPServerRequestPart, Part>(wrappingChannelSynchronously: channel)
                    }
                }
            try SocketGuard.restrict(socketPath: path)
        } catch {
            Glibc.close(lockFD)
            throw (error as? ServerError) ?? ServerError(.config, "cannot listen on \(path): \(error)")
        }
        let router = AdminRouter(daemon: daemon, logger: logger)
        let task = Task {
            _ = try? await server.executeThenClose { inbound in
                await withDiscardingTaskGroup { group in
                    do {
                        for try await child in inbound { group.addTask { await serve(child, router: router) } }
                    } catch {
                        logger.debug("admin listener ended", metadata: ["kiban.server.error": "\(error)"])
                    }
                }
            }
        }
        return AdminServer(channel: server.channel, task: task, lockFD: lockFD)
    }

    /// Stops listening and releases the lock.
    public func close() async {
        try? await channel.close().get()
        task.cancel()
        Glibc.close(lockFD)
    }

    private static func serve(_ child: NIOAsyncChannel<HTTPServerRequestPart, Part>, router: AdminRouter) async {
        let caller = await peerCredentials(child.channel)
        try? await child.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = ByteBuffer()
            // An upload streams to blob files; a connection that ends first leaves nothing.
            var upload: AdminUpload?
            defer { upload?.discard() }
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                    do throws(ServerError) {
                        upload = try await router.beginUpload(h)
                    } catch {
                        return try await respond(outbound, child.channel, h, AdminRouter.failure(error), close: true)
                    }
                case .body(var b):
                    if let u = upload, let h = head {
                        do throws(ServerError) { try u.write(b) } catch {
                            return try await respond(outbound, child.channel, h, AdminRouter.failure(error), close: true)
                        }
                    } else if body.readableBytes + b.readableBytes > Self.bodyBytesMax, let h = head {
                        let error = ServerError(.badRequest, "a request body is limited to \(Self.bodyBytesMax >> 20) MiB; files go through the upload routes")
                        return try await respond(outbound, child.channel, h, AdminRouter.failure(error), close: true)
                    } else {
                        body.writeBuffer(&b)
                    }
                case .end:
                    guard let h = head else { continue }
                    if AdminStreaming.handles(h.method, URLComponents(string: h.uri)?.path ?? h.uri) {
                        try await AdminStreaming(daemon: router.daemon, caller: caller).serve(h, channel: child.channel, outbound: outbound)
                        return
                    }
                    let answer: (Int, [UInt8])
                    if let u = upload {
                        answer = await router.finishUpload(u, caller: caller)
                        upload = nil
                    } else {
                        answer = await router.route(method: h.method, uri: h.uri, body: Data(body.readableBytesView), caller: caller)
                    }
                    try await respond(outbound, child.channel, h, answer, close: !h.isKeepAlive)
                    if !h.isKeepAlive { return }
                }
            }
        }
    }

    /// The largest JSON request body read into memory.
    static let bodyBytesMax = 64 << 20

    private static func respond(
        _ outbound: NIOAsyncChannelOutboundWriter<Part>, _ channel: any Channel, _ h: HTTPRequestHead,
        _ answer: (Int, [UInt8]), close: Bool
    ) async throws {
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(answer.1.count)")])
        if close { headers.add(name: "Connection", value: "close") }
        try await outbound.write(.head(HTTPResponseHead(version: h.version, status: .init(statusCode: answer.0), headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: answer.1))))
        try await AdminStreaming.end(channel)
    }

    private static func peerCredentials(_ channel: any Channel) async -> Caller {
        guard let provider = channel as? any SocketOptionProvider,
            let cred: UCred = try? await provider.unsafeGetSocketOption(
                level: .init(rawValue: SOL_SOCKET), name: .init(rawValue: SO_PEERCRED)
            ).get()
        else {
            // Unknown credentials are recorded as nobody, never as root.
            return Caller(pid: 0, uid: 65534, gid: 65534)
        }
        return Caller(pid: cred.pid, uid: cred.uid, gid: cred.gid)
    }
}
