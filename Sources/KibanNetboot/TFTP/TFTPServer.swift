import Foundation
public import KibanIO
public import Logging
import Synchronization

/// The read-only TFTP server for legacy PXE firmware (RFC 1350, 2347–2349): it serves only the
/// iPXE binaries, loaded into memory at start, so that firmware without HTTP boot can chainload
/// into iPXE. Runs on the io_uring runtime as a ``UDPService``.
///
/// Each transfer gets its own socket on a free port (RFC 1350 §4: the server's transfer ID),
/// opened on the ring that received the request and closed when the transfer completes, fails
/// or times out. One ``TFTPSession`` per client address and port. A packet reaching a transfer's
/// port from any other address or port gets ERROR 5 (unknown transfer ID) and does not touch the
/// transfer. A task runs ``runTimer(interval:)`` to retransmit and expire sessions.
public final class TFTPServer: Sendable {
    /// The default bound on concurrent transfers.
    public static let transfersMaxDefault = 1024
    /// Concurrent transfers (each holds one socket); a request beyond it is answered from the
    /// server port with ERROR 0 "too many transfers; retry", and the firmware asks again.
    public let transfersMax: Int
    /// The default bound on concurrent transfers from one address.
    public static let transfersPerAddressMaxDefault = 8
    /// Concurrent transfers from one client address (any ports): one host cannot take every
    /// transfer slot; a request beyond it gets ERROR 0 like one beyond ``transfersMax``.
    public let transfersPerAddressMax: Int

    struct Entry: Sendable {
        var session: TFTPSession
        var file: [UInt8]
        /// The transfer's own socket: every packet of the transfer leaves from it.
        var socket: TransferSocket
        /// The read request, for the address and interface replies leave from.
        var request: Datagram
        /// Tells this transfer from a later one of the same client (a repeated request).
        var number: UInt64
    }

    let files: [String: [UInt8]]
    let sessions = Mutex<(table: [IPv4Endpoint: Entry], started: UInt64)>(([:], 0))
    let logger: Logger
    let counters = Mutex((started: 0, completed: 0, abandoned: 0))

    /// Serves `files` (name → bytes), at most `transfersMax` transfers at once and
    /// `transfersPerAddressMax` from one address.
    public init(
        files: [String: [UInt8]], logger: Logger, transfersMax: Int = TFTPServer.transfersMaxDefault,
        transfersPerAddressMax: Int = TFTPServer.transfersPerAddressMaxDefault
    ) {
        self.files = files
        self.logger = logger
        self.transfersMax = transfersMax
        self.transfersPerAddressMax = transfersPerAddressMax
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

    /// Transfers in progress (each holds a socket).
    public var activeTransfers: Int { sessions.withLock { $0.table.count } }

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

    /// A datagram on the server port: a request starts a transfer; anything else belongs to a
    /// transfer's own port.
    func handle(_ datagram: Datagram, replier: DatagramReplier, now: UInt64) -> DatagramReply? {
        guard let packet = try? TFTPPacket(bytes: datagram.payload) else {
            return Self.error(.illegalOperation, "malformed packet", answering: datagram)
        }
        switch packet {
        case .readRequest(let name, _, _), .writeRequest(let name):
            return start(packet, name: name, datagram: datagram, replier: replier, now: now)
        case .error:
            return nil
        default:
            return Self.error(.unknownTransferID, "no transfer in progress on this port", answering: datagram)
        }
    }

    static func error(_ code: TFTPErrorCode, _ message: String, answering datagram: Datagram) -> DatagramReply {
        DatagramReply(answering: datagram, payload: TFTPPacket.error(code: code, message: message).bytes)
    }
}
