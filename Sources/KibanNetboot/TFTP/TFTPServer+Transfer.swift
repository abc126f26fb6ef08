import KibanIO
import Logging

/// Transfers: each on its own socket (RFC 1350 §4), driven by ``TFTPSession``.
extension TFTPServer {
    /// Starts a transfer for a request on the server port; its first packet leaves from the
    /// transfer's new socket, so the answer on the server port is nil unless refused.
    func start(_ packet: TFTPPacket, name: String, datagram: Datagram, replier: DatagramReplier, now: UInt64) -> DatagramReply? {
        // Firmware asks for "undionly.kpxe" or "/undionly.kpxe".
        let file = files[String(name.drop { $0 == "/" })]
        let (session, action) = TFTPSession.start(packet, fileSize: file.map { UInt64($0.count) }, now: now)
        guard let session, let file else { return perform(action, file: [], answering: datagram) }
        let client = datagram.source
        // A repeated request from the same client port replaces its transfer (the first answer
        // was lost); otherwise the number of transfers is bounded, in all and per address.
        let (number, replaced, refusal) = sessions.withLock { state -> (UInt64?, TransferSocket?, String?) in
            if state.table[client] == nil {
                guard state.table.count < transfersMax else { return (nil, nil, "too many transfers; retry") }
                guard Self.transfers(from: client, in: state.table) < transfersPerAddressMax else {
                    return (nil, nil, "too many transfers from \(client.addressText); retry")
                }
            }
            state.started += 1
            return (state.started, state.table.removeValue(forKey: client)?.socket, nil)
        }
        replaced?.close()
        guard let number else { return Self.error(.undefined, refusal ?? "retry", answering: datagram) }
        let socket: TransferSocket
        do {
            socket = try replier.openTransferSocket(address: datagram.local) { [self] incoming, _ in
                receive(incoming, client: client, number: number, now: Self.milliseconds())
            }
        } catch {
            logger.warning("cannot open a TFTP transfer socket", metadata: ["kiban.tftp.client": "\(client)", "kiban.tftp.error": "\(error)"])
            return Self.error(.undefined, "cannot start a transfer now; retry", answering: datagram)
        }
        let entry = Entry(session: session, file: file, socket: socket, request: datagram, number: number)
        let stored = sessions.withLock { state -> Bool in
            guard state.table[client] == nil else { return false }
            state.table[client] = entry
            return true
        }
        guard stored else {
            // Another request of this client won the race meanwhile; it carries on.
            socket.close()
            return nil
        }
        counters.withLock { $0.started += 1 }
        logger.debug(
            "TFTP transfer",
            metadata: [
                "kiban.tftp.file": "\(name)", "kiban.tftp.client": "\(client)",
                "kiban.tftp.port": "\(socket.endpoint.port)",
            ])
        if let reply = perform(action, file: file, answering: datagram) { socket.send(reply) }
        return nil
    }

    /// Transfers of clients with `client`'s address, whatever their port.
    static func transfers(from client: IPv4Endpoint, in table: [IPv4Endpoint: Entry]) -> Int {
        table.keys.reduce(0) { $0 + ($1.octets == client.octets ? 1 : 0) }
    }

    /// A datagram on transfer `number`'s socket. Replies returned leave from that socket.
    func receive(_ datagram: Datagram, client: IPv4Endpoint, number: UInt64, now: UInt64) -> DatagramReply? {
        guard datagram.source == client else {
            // RFC 1350 §4: not this transfer's client. Say so; the transfer goes on untouched.
            return Self.error(.unknownTransferID, "unknown transfer ID", answering: datagram)
        }
        guard let packet = try? TFTPPacket(bytes: datagram.payload) else {
            return Self.error(.illegalOperation, "malformed packet", answering: datagram)
        }
        let found = sessions.withLock { state -> (TFTPSession.Action, Entry)? in
            guard var entry = state.table[client], entry.number == number else { return nil }
            let action = entry.session.receive(packet, now: now)
            if case .finish = action { state.table[client] = nil } else { state.table[client] = entry }
            return (action, entry)
        }
        guard let found else {
            if case .error = packet { return nil }
            return Self.error(.unknownTransferID, "this transfer is over", answering: datagram)
        }
        let (action, entry) = found
        if case .finish = action { entry.socket.close() }
        return perform(action, file: entry.file, answering: entry.request)
    }

    /// Calls ``tick(now:)`` every `interval` until the task is cancelled.
    public func runTimer(interval: Duration = .milliseconds(100)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            tick(now: Self.milliseconds())
        }
    }

    /// Retransmits blocks whose ACK is late and forgets transfers whose client went silent,
    /// closing their sockets.
    public func tick(now: UInt64) {
        let due = sessions.withLock { state -> [(TFTPSession.Action, Entry)] in
            var due: [(TFTPSession.Action, Entry)] = []
            for (client, var entry) in state.table {
                let action = entry.session.tick(now: now)
                switch action {
                case .none: continue
                case .finish: state.table[client] = nil
                default: state.table[client] = entry
                }
                due.append((action, entry))
            }
            return due
        }
        for (action, entry) in due {
            if case .finish = action { entry.socket.close() }
            if let reply = perform(action, file: entry.file, answering: entry.request) { entry.socket.send(reply) }
        }
    }

    func perform(_ action: TFTPSession.Action, file: [UInt8], answering datagram: Datagram) -> DatagramReply? {
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
