import CUring
import Glibc
import Logging

/// The event loop of one ring, run on its own thread; owns every socket, buffer and connection
/// of that ring, so nothing here is locked.
final class RingLoop {
    let index: Int
    let ring: Ring
    let limits: IOLimits
    let fileSend: FileSendStrategy
    let logger: Logger
    let mailbox: Mailbox
    let receiveBuffers: BufferRing
    /// Registered file buffers; only `.registeredBuffers` uses them, so only it pins the memory.
    let chunks: FileChunkPool?
    var listeners: [Listener]
    var udpSockets: [UDPSocket]
    /// ``TransferSocket``s served by this ring, by id (ids are above `udpSockets`' indices).
    var transferSockets: [Int: UDPSocket] = [:]
    /// Transfer sockets whose receive was cancelled; closed when its last completion arrives.
    var closingSockets: Set<Int> = []
    var datagramBuffers: BufferRing?
    var pendingDatagrams: [UInt32: UnsafeMutableRawPointer] = [:]
    var nextDatagramID: UInt32 = 0
    var connections: [Connection?] = []
    var freeSlots: [UInt32] = []
    var nextGeneration: UInt32 = 0
    var openConnections = 0
    var waitingForChunk: [Connection] = []
    let timerSpec = UnsafeMutablePointer<__kernel_timespec>.allocate(capacity: 1)
    let mailboxValue = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    var draining = false
    var drainDeadline: UInt64 = 0
    var finished = false
    var now = monotonicNanoseconds()

    struct Listener {
        let fd: Int32
        let makeHandler: @Sendable (Int) -> any StreamHandler
    }

    init(index: Int, setup: RingSetup, configuration: IOConfiguration, logger: Logger) throws(IOError) {
        self.index = index
        limits = configuration.limits
        fileSend = configuration.fileSend
        var logger = logger
        logger[metadataKey: "kiban.io.ring"] = "\(index)"
        self.logger = logger
        mailbox = setup.mailbox
        ring = try Ring(entries: configuration.ringEntries)
        receiveBuffers = try BufferRing(
            ring: ring, group: 0, count: limits.receiveBufferCount,
            size: limits.receiveBufferBytes)
        chunks =
            configuration.fileSend == .registeredBuffers
            ? try FileChunkPool(ring: ring, count: limits.fileChunkCount, size: limits.fileChunkBytes) : nil
        listeners = setup.tcp.map { Listener(fd: $0.fd, makeHandler: $0.service.makeHandler) }
        udpSockets = setup.udp.map { UDPSocket(fd: $0.fd, service: $0.service, port: $0.port) }
        if !udpSockets.isEmpty {
            datagramBuffers = try BufferRing(
                ring: ring, group: 1, count: limits.datagramBufferCount,
                size: limits.datagramBytesMax + UDPSocket.headerRoom)
        }
        // Every registration is done: from here on the ring can do only what Kiban submits.
        try ring.enable(restrictions: .kiban)
    }

    deinit {
        timerSpec.deallocate()
        mailboxValue.deallocate()
        for block in pendingDatagrams.values { block.deallocate() }
    }

    /// Runs until shutdown has drained every connection (or the drain deadline passed).
    func run() {
        for listener in listeners.indices { armAccept(listener) }
        for socket in udpSockets.indices { armDatagramReceive(socket) }
        armMailbox()
        armTimer()
        while !finished {
            ring.submitAndWait()
            now = monotonicNanoseconds()
            ring.forEachCompletion(dispatch)
            if draining { checkDrained() }
        }
        ring.exit()
        for listener in listeners { closeQuietly(listener.fd) }
        for socket in udpSockets + Array(transferSockets.values) { closeQuietly(socket.fd) }
    }

    private func dispatch(_ raw: UInt64, _ result: Int32, _ flags: UInt32) {
        guard let data = UserData(raw: raw) else { return }
        switch data.kind {
        case .accept: accepted(listener: Int(data.slot), result, flags)
        case .recv: received(data, result, flags)
        case .send, .fileRead, .fileSend:
            guard let connection = connection(data) else { return }
            connection.inflight -= 1
            switch data.kind {
            case .send: sent(connection, result)
            case .fileRead: fileRead(connection, result)
            default: fileSent(connection, result)
            }
            finishIfDone(connection)
        case .timer: tick()
        case .mailbox: mailboxFired()
        case .udpRecv: datagramReceived(socket: Int(data.slot), result, flags)
        case .udpSend: datagramSent(id: data.slot, result)
        case .cancel: break
        }
    }

    /// The live connection a completion belongs to, or nil when its slot was freed or reused.
    func connection(_ data: UserData) -> Connection? {
        let slot = Int(data.slot)
        guard slot < connections.count, let connection = connections[slot],
            connection.generation == data.generation
        else { return nil }
        return connection
    }
}
