import CUring
import Glibc

/// Accepting connections, and the end of their lives.
extension RingLoop {
    func armAccept(_ listener: Int) {
        let sqe = ring.sqe(UserData(.accept, slot: UInt32(listener)).raw)
        io_uring_prep_multishot_accept(sqe, listeners[listener].fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
    }

    func accepted(listener: Int, _ result: Int32, _ flags: UInt32) {
        if flags & IORING_CQE_F_MORE == 0, !draining, result != -ECANCELED {
            armAccept(listener)
        }
        guard result >= 0 else {
            if result != -ECANCELED {
                logger.warning("accept failed", metadata: ["kiban.io.errno": "\(errnoText(-result))"])
            }
            return
        }
        let fd = result
        guard !draining, openConnections < limits.connectionsPerRing else {
            rejectBusy(fd)
            return
        }
        var one: Int32 = 1
        // Responses are written whole, so Nagle's delay only adds latency.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let slot = takeSlot()
        nextGeneration &+= 1
        let connection = Connection(
            fd: fd, slot: slot, generation: nextGeneration & 0xFF_FFFF,
            handler: listeners[listener].makeHandler(index),
            queueCapacity: limits.queuedResponsesMax * 2, now: now)
        connections[Int(slot)] = connection
        openConnections += 1
        armReceive(connection)
    }

    private func takeSlot() -> UInt32 {
        if let slot = freeSlots.popLast() { return slot }
        connections.append(nil)
        return UInt32(connections.count - 1)
    }

    /// Over the connection limit: answer 503 without reading the request and close. The
    /// response fits any empty socket buffer, so one non-blocking send is enough.
    private func rejectBusy(_ fd: Int32) {
        let response = Array("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n".utf8)
        _ = response.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        closeQuietly(fd)
    }

    /// Everything queued was sent and the connection should end: half-close, then keep reading
    /// (and discarding) until the peer closes, so unread request bytes do not turn the close
    /// into a reset that destroys the response in flight ("lingering close").
    func closeGracefully(_ connection: Connection) {
        guard !connection.shuttingDown, !connection.lingering else { return }
        if connection.peerClosed || !connection.receiving {
            abort(connection)
            return
        }
        connection.lingering = true
        connection.lastActivity = now
        Glibc.shutdown(connection.fd, Int32(SHUT_WR))
    }

    /// Ends a connection now: wakes its pending operations and frees it once they complete.
    /// `reset` drops unsent data with a RST (a client that stopped reading would otherwise keep
    /// the kernel holding its send buffer after we close).
    func abort(_ connection: Connection, reset: Bool = false) {
        guard !connection.shuttingDown else { return }
        connection.shuttingDown = true
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(connection.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Glibc.shutdown(connection.fd, Int32(SHUT_RDWR))
        if connection.inflight > 0 {
            let sqe = ring.sqe(UserData(.cancel).raw)
            io_uring_prep_cancel_fd(sqe, connection.fd, IORING_ASYNC_CANCEL_ALL)
        }
        finishIfDone(connection)
    }

    /// Frees a shut-down connection once no completion can still name it.
    func finishIfDone(_ connection: Connection) {
        guard connection.shuttingDown, connection.inflight == 0,
            connections[Int(connection.slot)] === connection
        else { return }
        if let file = connection.file {
            if let chunk = file.chunk { releaseChunk(chunk) }
            closeQuietly(file.fd)
            connection.file = nil
        }
        connection.output.discard()
        if let pipe = connection.pipe {
            closeQuietly(pipe.read)
            closeQuietly(pipe.write)
        }
        closeQuietly(connection.fd)
        connections[Int(connection.slot)] = nil
        freeSlots.append(connection.slot)
        openConnections -= 1
        connection.handler.closed()
    }
}
