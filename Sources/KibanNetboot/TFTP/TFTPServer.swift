import Foundation
public import KibanIO
public import Logging
import Synchronization

/// The read-only TFTP server for legacy PXE firmware (RFC 1350, 2347–2349): it serves only the
/// iPXE binaries, loaded into memory at start, so that firmware without HTTP boot can chainload
/// into iPXE. Runs on the io_uring runtime as a ``UDPService``; one ``TFTPSession`` per client
/// address and port, answered from the server's port (clients take the first reply's port as
/// the server's transfer id). A task runs ``runTimer(interval:)`` to retransmit and expire sessions.
public final class TFTPServer: Sendable {
    /// Concurrent transfers; further requests are refused with an error (the firmware retries).
    public static let sessionsMax = 1024

    struct Entry: Sendable {
        var session: TFTPSession
        var file: [UInt8]
        var replier: DatagramReplier
        var request: Datagram
    }

    private let files: [String: [UInt8]]
    private let sessions = Mutex<[IPv4Endpoint: Entry]>([:])
    private let logger: Logger
    private let counters = Mutex((started: 0, completed: 0, abandoned: 0))

    /// Serves `files` (name → bytes).
    public init(files: [String: [UInt8]], logger: Logger) {
        self.files = files
        self.logger = logger
    }

    /// Loads the files of `names` that exist in `directory`; missing ones are not served.
    public static func load(directory: String, names: [String]) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in names {
            if let data = FileManager.default.contents(atPath: directory + "/" + name) { files[name] = Array(data) }
        }
        return files
    }

    /// The names being served.
    public var fileNames: [String] { files.keys.sorted() }

    /// Transfers started, completed and abandoned so far.
    public var transferCounts: (started: Int, completed: Int, abandoned: Int) { counters.withLock { $0 } }

    /// The UDP service for `IORuntime.start`.
    public func service(at endpoint: IPv4Endpoint) -> UDPService {
        UDPService(endpoint: endpoint) { [self] datagram, replier in
            handle(datagram, replier: replier, now: Self.milliseconds())
        }
    }

    /// Monotonic milliseconds, the sessions' clock.
    public static func milliseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1000 + UInt64(t.tv_nsec) / 1_000_000
    }

    func handle(_ datagram: Datagram, replier: DatagramReplier, now: UInt64) -> DatagramReply? {
        guard let packet = try? TFTPPacket(bytes: datagram.payload) else {
            return DatagramReply(answering: datagram, payload: TFTPPacket.error(code: .illegalOperation, message: "malformed packet").bytes)
        }
        switch packet {
        case .readRequest(let name, _, _), .writeRequest(let name):
            return start(packet, name: name, datagram: datagram, replier: replier, now: now)
        default:
            let found = sessions.withLock { table -> (TFTPSession.Action, [UInt8])? in
                guard var entry = table[datagram.source] else { return nil }
                let action = entry.session.receive(packet, now: now)
                if case .finish = action { table[datagram.source] = nil } else { table[datagram.source] = entry }
                return (action, entry.file)
            }
            guard let found else {
                if case .error = packet { return nil }
                return DatagramReply(answering: datagram, payload: TFTPPacket.error(code: .unknownTransferID, message: "no transfer in progress").bytes)
            }
            return perform(found.0, file: found.1, answering: datagram)
        }
    }

    private func start(_ packet: TFTPPacket, name: String, datagram: Datagram, replier: DatagramReplier,
                       now: UInt64) -> DatagramReply? {
        // Firmware asks for "undionly.kpxe" or "/undionly.kpxe".
        let file = files[String(name.drop { $0 == "/" })]
        let (session, action) = TFTPSession.start(packet, fileSize: file.map { UInt64($0.count) }, now: now)
        guard let session, let file else { return perform(action, file: [], answering: datagram) }
        let accepted = sessions.withLock { table in
            guard table.count < Self.sessionsMax || table[datagram.source] != nil else { return false }
            table[datagram.source] = Entry(session: session, file: file, replier: replier, request: datagram)
            return true
        }
        guard accepted else {
            return DatagramReply(answering: datagram, payload: TFTPPacket.error(code: .undefined, message: "too many transfers; retry").bytes)
        }
        counters.withLock { $0.started += 1 }
        logger.debug("TFTP transfer", metadata: ["kiban.tftp.file": "\(name)", "kiban.tftp.client": "\(datagram.source)"])
        return perform(action, file: file, answering: datagram)
    }

    /// Calls ``tick(now:)`` every `interval` until the task is cancelled.
    public func runTimer(interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            tick(now: Self.milliseconds())
        }
    }

    /// Retransmits blocks whose ACK is late and forgets transfers whose client went silent.
    public func tick(now: UInt64) {
        let due = sessions.withLock { table -> [(TFTPSession.Action, Entry)] in
            var due: [(TFTPSession.Action, Entry)] = []
            for (client, var entry) in table {
                let action = entry.session.tick(now: now)
                switch action {
                case .none: continue
                case .finish: table[client] = nil
                default: table[client] = entry
                }
                due.append((action, entry))
            }
            return due
        }
        for (action, entry) in due {
            if let reply = perform(action, file: entry.file, answering: entry.request) { entry.replier.send(reply) }
        }
    }

    private func perform(_ action: TFTPSession.Action, file: [UInt8], answering datagram: Datagram) -> DatagramReply? {
        switch action {
        case .send(let packet):
            return DatagramReply(answering: datagram, payload: packet.bytes)
        case .sendBlock(let block, let offset, let length):
            let start = Int(offset)
            let payload = Array(file[start..<start + length])
            return DatagramReply(answering: datagram, payload: TFTPPacket.data(block: block, payload: payload).bytes)
        case .finish(let completed):
            counters.withLock { if completed { $0.completed += 1 } else { $0.abandoned += 1 } }
            return nil
        case .none:
            return nil
        }
    }
}
