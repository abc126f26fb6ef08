import CUring
import Glibc

/// The ring's periodic tick (timeouts), its mailbox, and shutdown.
extension RingLoop {
    func armTimer() {
        let tick = Int64(limits.tickMilliseconds)
        timerSpec.pointee = __kernel_timespec(tv_sec: tick / 1000, tv_nsec: (tick % 1000) * 1_000_000)
        let sqe = ring.sqe(UserData(.timer).raw)
        io_uring_prep_timeout(sqe, timerSpec, 0, 0)
    }

    func tick() {
        if !finished { armTimer() }
        let header = UInt64(limits.headerTimeoutMilliseconds) * 1_000_000
        let idle = UInt64(limits.idleTimeoutMilliseconds) * 1_000_000
        let stall = UInt64(limits.sendStallTimeoutMilliseconds) * 1_000_000
        let linger = min(UInt64(2_000_000_000), idle)
        for case let connection? in connections where !connection.shuttingDown {
            let quiet = now &- connection.lastActivity
            if connection.lingering {
                if quiet > linger { abort(connection) }
            } else if !connection.outputIdle {
                if quiet > stall, !connection.waitingForChunk { abort(connection, reset: true) }
            } else if let started = connection.requestStartedAt, now &- started > header {
                // Slowloris: the head is still incomplete. Answer 408 and close.
                connection.handler.headerTimedOut(output: &connection.output)
                connection.closeAfterOutput = true
                pump(connection)
            } else if connection.bufferedInput == 0, quiet > idle || draining {
                abort(connection)
            }
        }
    }

    func armMailbox() {
        let sqe = ring.sqe(UserData(.mailbox).raw)
        io_uring_prep_read(sqe, mailbox.eventFD, mailboxValue, 8, 0)
    }

    func mailboxFired() {
        if !finished { armMailbox() }
        for message in mailbox.takeAll() {
            switch message {
            case .shutdown: beginDrain()
            case .datagram(let socket, let reply): sendDatagram(socket: socket, reply)
            case .openSocket(let id, let fd, let port, let service): openTransferSocket(id: id, fd: fd, port: port, service: service)
            case .closeSocket(let id): closeTransferSocket(id: id)
            }
        }
    }

    /// Stops accepting and receiving datagrams; idle connections close now, busy ones after
    /// their responses (or at the drain deadline).
    func beginDrain() {
        guard !draining else { return }
        draining = true
        drainDeadline = now + UInt64(limits.drainTimeoutMilliseconds) * 1_000_000
        for listener in listeners.indices {
            let sqe = ring.sqe(UserData(.cancel).raw)
            io_uring_prep_cancel64(sqe, UserData(.accept, slot: UInt32(listener)).raw, 0)
        }
        for socket in Array(udpSockets.indices) + Array(transferSockets.keys) {
            let sqe = ring.sqe(UserData(.cancel).raw)
            io_uring_prep_cancel64(sqe, UserData(.udpRecv, slot: UInt32(socket)).raw, 0)
        }
        for case let connection? in connections {
            if connection.outputIdle, connection.bufferedInput == 0 {
                abort(connection)
            } else {
                // Finish the response being sent, answer nothing new, then close.
                connection.closeAfterOutput = true
                pump(connection)
            }
        }
    }

    func checkDrained() {
        if openConnections == 0, pendingDatagrams.isEmpty {
            finished = true
            return
        }
        guard now > drainDeadline else { return }
        for case let connection? in connections { abort(connection, reset: true) }
        // Past the deadline plus a grace second, stop waiting for completions that never come.
        if now > drainDeadline + 1_000_000_000 { finished = true }
    }
}
