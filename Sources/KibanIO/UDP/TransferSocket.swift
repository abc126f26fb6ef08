import CUring
import Glibc
import Synchronization

/// A UDP socket opened while the runtime runs, on a free port, served by the ring whose
/// ``DatagramReplier`` opened it: a TFTP transfer's own port (RFC 1350 §4, the server's
/// transfer ID). Datagrams arriving on it go to its handler on that ring's thread.
///
/// **Close it when the transfer ends.** ``close()`` asks the ring to cancel the socket's
/// receive; the descriptor is closed when the kernel reports the receive finished, so no
/// submission can reach a reused descriptor number.
public final class TransferSocket: Sendable {
    /// The address and port it is bound to (the port the kernel picked).
    public let endpoint: IPv4Endpoint
    let id: Int
    let mailbox: Mailbox
    private let closed = Atomic<Bool>(false)

    /// Ids of transfer sockets start above any ring's service sockets, and never repeat.
    static let nextID = Atomic<Int>(1 << 20)

    init(endpoint: IPv4Endpoint, id: Int, mailbox: Mailbox) {
        self.endpoint = endpoint
        self.id = id
        self.mailbox = mailbox
    }

    /// Queues `reply` for sending from this socket; false when the ring's queue is full (UDP
    /// clients retry) or the socket is closed.
    @discardableResult
    public func send(_ reply: DatagramReply) -> Bool {
        guard !closed.load(ordering: .acquiring) else { return false }
        return mailbox.post(.datagram(socket: id, reply: reply))
    }

    /// Stops receiving and releases the port (once; later calls do nothing).
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        mailbox.post(.closeSocket(id: id))
    }

    deinit { close() }
}

extension DatagramReplier {
    /// Opens a UDP socket on `address` (its port is ignored: the kernel picks a free one),
    /// served by this replier's ring; `handler` answers what arrives on it. Replies the handler
    /// returns leave from the new socket.
    /// - Throws: ``IOError`` when the socket cannot be opened or bound, or the ring's queue is
    ///   full (the caller refuses the request; the client retries).
    public func openTransferSocket(address: IPv4Endpoint, handler: @escaping DatagramHandler) throws(IOError) -> TransferSocket {
        var local = address
        local.port = 0
        let fd = try Socket.udpTransfer(local)
        let endpoint: IPv4Endpoint
        do {
            endpoint = try Socket.localEndpoint(fd)
        } catch {
            closeQuietly(fd)
            throw error
        }
        let id = TransferSocket.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let service = UDPService(endpoint: endpoint, handler: handler)
        guard mailbox.post(.openSocket(id: id, fd: fd, port: endpoint.port, service: service)) else {
            closeQuietly(fd)
            throw IOError(.invalidConfiguration, "the ring's queue is full; the transfer socket for \(endpoint) was not opened")
        }
        return TransferSocket(endpoint: endpoint, id: id, mailbox: mailbox)
    }
}

extension Socket {
    /// A UDP socket with `IP_PKTINFO` bound to `endpoint` (port 0: a free port), without
    /// `SO_REUSEPORT`: its port belongs to one transfer.
    static func udpTransfer(_ endpoint: IPv4Endpoint) throws(IOError) -> Int32 {
        let fd = try syscall("socket(AF_INET, SOCK_DGRAM)") { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try setOption(fd, Int32(IPPROTO_IP), CU_IP_PKTINFO, 1, "IP_PKTINFO")
            try bind(fd, endpoint, kind: "UDP")
            return fd
        } catch {
            closeQuietly(fd)
            throw error
        }
    }
}
