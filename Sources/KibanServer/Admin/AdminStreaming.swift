import Foundation
import KibanAdminAPI
import KibanStore
import NIOCore
import NIOHTTP1

/// The admin endpoints whose answers stream instead of being one JSON document
/// (docs/admin-api.md): `GET /v1/snapshot` (a backup file, with its size in Content-Length)
/// and `GET /v1/watch` (one JSON object per line as changes happen, until the caller hangs up).
/// Errors found before the first byte are ordinary JSON error answers.
struct AdminStreaming {
    typealias Outbound = NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    let daemon: Daemon
    /// Who asked: a backup download is audited.
    let caller: Caller

    /// Bytes read from a backup file per body part.
    static let chunkBytes = 1 << 20

    /// Whether `path` is served here rather than by ``AdminRouter``.
    static func handles(_ method: HTTPMethod, _ path: String) -> Bool {
        method == .GET && (path == "/v1/snapshot" || path == "/v1/watch")
    }

    /// Answers one streaming request; the connection closes afterwards.
    func serve(_ head: HTTPRequestHead, channel: any Channel, outbound: Outbound) async throws {
        let components = URLComponents(string: head.uri)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        do {
            if components?.path == "/v1/snapshot" {
                try await snapshot(head, channel: channel, outbound)
            } else {
                try await watch(head, query: query, channel: channel, outbound)
            }
        } catch let error as ServerError {
            let (status, json) = error.answer
            try await write(head, status: status, headers: [("Content-Length", "\(json.count)")], outbound)
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: json))))
            try await Self.end(channel)
        }
    }

    /// Ends a response and waits until every byte of it has reached the socket. The async
    /// writer hands parts to the channel in order but does not wait for them to be written, and
    /// closing the channel drops what is still pending: large answers were cut short. This
    /// write enters the channel after the writer's parts, and its future completes once it (and
    /// so all before it) is written.
    static func end(_ channel: any Channel) async throws {
        try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
    }

    private func write(_ head: HTTPRequestHead, status: Int, headers: [(String, String)], _ outbound: Outbound) async throws {
        var h = HTTPHeaders(headers)
        h.add(name: "Connection", value: "close")
        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: h)))
    }

    private func snapshot(_ head: HTTPRequestHead, channel: any Channel, _ outbound: Outbound) async throws {
        let (path, info) = try await daemon.backup()
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw ServerError(.internal, "cannot read the backup copy \(path)")
        }
        defer { try? file.close() }
        try await write(
            head, status: 200,
            headers: [
                ("Content-Type", "application/vnd.sqlite3"), ("Content-Length", "\(info.bytes)"),
                ("Kiban-Revision", "\(info.revision)"), ("Kiban-Applied-Index", "\(info.appliedIndex)"),
                ("Kiban-KEK", await daemon.kekID ?? "none"),
            ], outbound)
        var sent: Int64 = 0
        // A backup holds every record: who took one (or part of one), and of what, is kept like
        // any change, before the answer ends, so the caller finds it in `kiban audit` at once.
        let audit = { [daemon, caller] (sent: Int64) in
            await daemon.audit(
                caller, "backup.download", "revision \(info.revision)", detail: "\(sent) of \(info.bytes) bytes sent",
                outcome: sent == info.bytes ? AuditEntry.ok : "partial")
        }
        do {
            while sent < info.bytes, let data = try file.read(upToCount: Self.chunkBytes), !data.isEmpty {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: data))))
                sent += Int64(data.count)
            }
        } catch {
            await audit(sent)
            throw error
        }
        await audit(sent)
        try await Self.end(channel)
    }

    private func watch(_ head: HTTPRequestHead, query: [String: String], channel: any Channel, _ outbound: Outbound) async throws {
        guard let from = Int64(query["fromRevision"] ?? "0") else {
            throw ServerError(.badRequest, "fromRevision must be a number")
        }
        let events = try await daemon.watch(key: query["key"] ?? "", prefix: query["prefix"] == "true", fromRevision: from)
        try await write(head, status: 200, headers: [("Content-Type", "application/x-ndjson")], outbound)
        // Ends when the caller hangs up (the channel closes) or the store ends the watch. The
        // writer waits while the socket is not writable, so a caller that stops reading leaves
        // events in the store's bounded buffer until the store cancels the watch; the error line
        // then gets `errorLineSeconds` to leave before the connection is closed under it.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                do {
                    for try await event in events where !ReservedKeys.isReserved(event.kv.key) {
                        let line = try encoder.encode(WatchEventInfo(event)) + Data("\n".utf8)
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: line))))
                    }
                } catch {
                    let e = (error as? StoreError).map(ServerError.init) ?? ServerError(.unavailable, "the watch ended: \(error)")
                    if error is StoreError {
                        daemon.logger.notice(
                            "the store ended a watch",
                            metadata: [
                                "kiban.server.caller_pid": "\(caller.pid)",
                                "kiban.server.error": "\(e.message)",
                            ])
                    }
                    let line = AdminRouter.encode(["error": e.code.rawValue, "message": e.message]) + Array("\n".utf8)
                    await Self.bounded(seconds: Self.errorLineSeconds, channel: channel) {
                        try? await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: line))))
                    }
                }
                await Self.bounded(seconds: Self.errorLineSeconds, channel: channel) { try? await Self.end(channel) }
            }
            group.addTask { try? await channel.closeFuture.get() }
            _ = await group.next()
            group.cancelAll()
        }
    }

    /// How long the last line of a watch may take to reach a caller that stopped reading.
    static let errorLineSeconds = 10

    /// Runs `body`; if it has not finished after `seconds`, closes `channel` (which ends it).
    static func bounded(seconds: Int, channel: any Channel, _ body: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return true }
                return false
            }
            if await group.next() == false { try? await channel.close() }
            group.cancelAll()
        }
    }
}
