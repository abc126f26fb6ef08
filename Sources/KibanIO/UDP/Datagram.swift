/// A UDP datagram as a handler sees it: the bytes, who sent them, and where they arrived, so the
/// reply can leave from the same address and interface (DHCP relays and multi-homed servers
/// depend on that).
public struct Datagram: Sendable {
    /// The datagram's bytes.
    public var payload: [UInt8]
    /// The sender.
    public var source: IPv4Endpoint
    /// The local address the datagram arrived on (`ipi_spec_dst`) and the socket's port: the
    /// address a reply should come from.
    public var local: IPv4Endpoint
    /// The destination address in the IP header (`ipi_addr`): differs from `local` for
    /// broadcasts (`255.255.255.255`).
    public var destination: IPv4Endpoint
    /// The index of the interface the datagram arrived on.
    public var interfaceIndex: Int32

    /// A datagram; tests and services that replay captures build them directly.
    public init(
        payload: [UInt8], source: IPv4Endpoint, local: IPv4Endpoint, destination: IPv4Endpoint,
        interfaceIndex: Int32
    ) {
        self.payload = payload
        self.source = source
        self.local = local
        self.destination = destination
        self.interfaceIndex = interfaceIndex
    }
}

/// A datagram to send in answer to one received.
public struct DatagramReply: Sendable {
    /// The bytes to send.
    public var payload: [UInt8]
    /// Where to send them; a broadcast address needs `UDPService.broadcast`.
    public var destination: IPv4Endpoint
    /// The source address to send from (`ipi_spec_dst`); the request's local address by default.
    public var sourceAddress: IPv4Endpoint
    /// The interface to send on; the request's interface by default.
    public var interfaceIndex: Int32

    /// A reply to `request`, sent back to its source from the address and interface it arrived on.
    public init(answering request: Datagram, payload: [UInt8], to destination: IPv4Endpoint? = nil) {
        self.payload = payload
        self.destination = destination ?? request.source
        sourceAddress = request.local
        interfaceIndex = request.interfaceIndex
    }
}

/// Posts replies back to the ring that received a request, from any thread or task: the way a
/// handler answers after waiting for something (a store write for a DHCP lease).
public struct DatagramReplier: Sendable {
    let mailbox: Mailbox
    let socket: Int

    /// Queues `reply` for sending on the ring; returns false when the ring's queue is full or it
    /// has shut down (UDP clients retry, so the reply is dropped).
    @discardableResult
    public func send(_ reply: DatagramReply) -> Bool {
        mailbox.post(.datagram(socket: socket, reply: reply))
    }
}

/// Answers datagrams on the ring thread. Return a reply to send it at once, or nil, then (when
/// the answer needs to wait) call `replier.send` later from a task. Must not block.
public typealias DatagramHandler = @Sendable (_ datagram: Datagram, _ replier: DatagramReplier) -> DatagramReply?

/// A UDP port served by every ring (one `SO_REUSEPORT` socket each).
public struct UDPService: Sendable {
    /// Where to listen; port 0 picks a free port, reported by `IORuntime.udpEndpoints`.
    public var endpoint: IPv4Endpoint
    /// Bind to one interface (`SO_BINDTODEVICE`), as a DHCP server on a shared L2 must.
    public var device: String?
    /// Allow sending to broadcast addresses (`SO_BROADCAST`).
    public var broadcast: Bool
    /// The handler, called on the ring threads.
    public var handler: DatagramHandler
    /// The socket's receive buffer (`SO_RCVBUF`, or `SO_RCVBUFFORCE` past `net.core.rmem_max`
    /// when the process may): datagrams that arrive while the ring thread is off the CPU wait
    /// there instead of being dropped by the kernel. Nil keeps the system's default (about
    /// 200 KiB, a hundred-odd small datagrams).
    public var receiveBufferBytes: Int?

    /// A UDP service.
    public init(
        endpoint: IPv4Endpoint, device: String? = nil, broadcast: Bool = false,
        handler: @escaping DatagramHandler
    ) {
        self.endpoint = endpoint
        self.device = device
        self.broadcast = broadcast
        self.handler = handler
    }
}
