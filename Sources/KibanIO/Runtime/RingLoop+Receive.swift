import CUring
import Glibc

/// Receiving request bytes and handing them to the protocol handler.
extension RingLoop {
    func armReceive(_ connection: Connection) {
        let sqe = ring.sqe(connection.userData(.recv))
        io_uring_prep_recv_multishot(sqe, connection.fd, nil, 0, 0)
        sqe.pointee.flags |= CU_IOSQE_BUFFER_SELECT
        sqe.pointee.buf_group = receiveBuffers.group
        connection.inflight += 1
        connection.receiving = true
    }

    func received(_ data: UserData, _ result: Int32, _ flags: UInt32) {
        let buffer = BufferRing.bufferID(flags)
        defer { if let buffer { receiveBuffers.recycle(buffer) } }
        guard let connection = connection(data) else { return }
        if flags & IORING_CQE_F_MORE == 0 {
            connection.inflight -= 1
            connection.receiving = false
        }
        defer { finishIfDone(connection) }
        if connection.shuttingDown { return }
        if result > 0, let buffer {
            connection.lastActivity = now
            if !connection.lingering {
                connection.input.append(contentsOf: receiveBuffers.bytes(buffer, count: Int(result)))
                pump(connection)
            }
        } else if result == 0 || connection.lingering {
            connection.peerClosed = true
            if connection.lingering { abort(connection) } else { pump(connection) }
            return
        } else if result != -ENOBUFS {
            abort(connection)
            return
        }
        if !connection.receiving, !connection.shuttingDown { armReceive(connection) }
    }

    /// Moves a connection forward: turn buffered input into responses (unless the output queue
    /// is full), send what is queued, and close when the exchange is over.
    func pump(_ connection: Connection) {
        guard !connection.shuttingDown, !connection.lingering else { return }
        if !connection.closeAfterOutput { consumeInput(connection) }
        startSending(connection)
        if connection.outputIdle, connection.closeAfterOutput || connection.peerClosed {
            closeGracefully(connection)
        }
    }

    private func consumeInput(_ connection: Connection) {
        var progressed = false
        while connection.bufferedInput > 0, !connection.output.isFull {
            let start = connection.inputStart
            let verdict = connection.input.withUnsafeBytes { bytes in
                connection.handler.consume(
                    UnsafeRawBufferPointer(rebasing: bytes[start...]),
                    output: &connection.output)
            }
            connection.dropConsumed(verdict.consumed)
            progressed = progressed || verdict.consumed > 0
            if verdict.close {
                connection.closeAfterOutput = true
                break
            }
            if verdict.consumed == 0 { break }
        }
        if connection.bufferedInput == 0 {
            connection.requestStartedAt = nil
        } else if progressed || connection.requestStartedAt == nil {
            connection.requestStartedAt = now
        }
        if connection.bufferedInput > limits.inputBytesMax, !connection.closeAfterOutput {
            // The handler bounds a single request head; this bounds unanswered pipelined input.
            connection.closeAfterOutput = true
        }
    }
}
