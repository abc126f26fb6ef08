import CUring
import Glibc

/// Sending responses: coalesced header and body bytes with SEND; file bodies as linked pairs,
/// either READ_FIXED → SEND through registered buffers or SPLICE → SPLICE through a pipe
/// (`FileSendStrategy`; docs/io.md has the measurements).
extension RingLoop {
    /// Starts the next send if none is in flight.
    func startSending(_ connection: Connection) {
        guard !connection.sending, !connection.shuttingDown, !connection.waitingForChunk else { return }
        if connection.file != nil {
            sendNextChunk(connection)
            return
        }
        connection.sendBuffer.removeAll(keepingCapacity: true)
        connection.sendOffset = 0
        // Pipelined responses and small bodies go out in one send.
        while let bytes = connection.output.popBytes() { connection.sendBuffer.append(contentsOf: bytes) }
        if !connection.sendBuffer.isEmpty {
            submitSend(connection)
        } else if case .file(let fd, let offset, let length) = connection.output.popFirst() {
            connection.file = FileStream(fd: fd, offset: offset, remaining: length)
            sendNextChunk(connection)
        }
    }

    private func submitSend(_ connection: Connection) {
        let sqe = ring.sqe(connection.userData(.send))
        connection.sendBuffer.withUnsafeBytes { bytes in
            // The array is not touched until this send completes, so its storage stays put.
            let rest = UnsafeRawBufferPointer(rebasing: bytes[connection.sendOffset...])
            io_uring_prep_send(sqe, connection.fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL | MSG_WAITALL))
        }
        connection.inflight += 1
        connection.sending = true
    }

    func sent(_ connection: Connection, _ result: Int32) {
        connection.sending = false
        guard result > 0, !connection.shuttingDown else {
            abort(connection)
            return
        }
        connection.lastActivity = now
        connection.sendOffset += Int(result)
        if connection.sendOffset < connection.sendBuffer.count {
            submitSend(connection)
        } else {
            pump(connection)
        }
    }

    /// Sends the next chunk of the file: through a registered buffer, or spliced through a pipe.
    func sendNextChunk(_ connection: Connection) {
        guard var file = connection.file else { return }
        guard file.remaining > 0 else {
            closeQuietly(file.fd)
            connection.file = nil
            pump(connection)
            return
        }
        if fileSend == .splice {
            spliceNextChunk(connection, file)
            return
        }
        guard let chunks else { preconditionFailure("registered-buffer sends need the registered pool") }
        guard let chunk = chunks.take() else {
            connection.waitingForChunk = true
            waitingForChunk.append(connection)
            return
        }
        let length = Int(min(file.remaining, Int64(chunks.size)))
        let address = chunks.address(chunk)
        file.chunk = chunk
        submitChunk(connection, file, length: length) { read in
            io_uring_prep_read_fixed(read, file.fd, address, UInt32(length), UInt64(file.offset), Int32(chunk))
        } drain: { send in
            io_uring_prep_send(send, connection.fd, address, length, Int32(MSG_NOSIGNAL | MSG_WAITALL))
        }
    }

    /// Queues one chunk as a linked pair: `fill` (file → buffer or pipe), then `drain` (→ socket),
    /// which the kernel starts only if the fill moved every byte.
    func submitChunk(
        _ connection: Connection, _ stream: FileStream, length: Int,
        fill: (UnsafeMutablePointer<io_uring_sqe>) -> Void,
        drain: (UnsafeMutablePointer<io_uring_sqe>) -> Void
    ) {
        let first = ring.sqe(connection.userData(.fileRead))
        fill(first)
        first.pointee.flags |= CU_IOSQE_IO_LINK
        drain(ring.sqe(connection.userData(.fileSend)))
        var file = stream
        file.chunkLength = length
        file.chunkSent = 0
        connection.file = file
        connection.inflight += 2
        connection.sending = true
    }

    func fileRead(_ connection: Connection, _ result: Int32) {
        // A short read (the file shrank) breaks the link: the send completes with ECANCELED and
        // the connection is aborted there, since Content-Length can no longer be honoured.
        if result < 0, result != -ECANCELED {
            logger.warning("file read failed", metadata: ["kiban.io.errno": "\(errnoText(-result))"])
        }
    }

    func fileSent(_ connection: Connection, _ result: Int32) {
        connection.sending = false
        guard result > 0, !connection.shuttingDown else {
            abort(connection)
            return
        }
        guard var file = connection.file else { return }
        connection.lastActivity = now
        file.chunkSent += Int(result)
        if file.chunkSent < file.chunkLength {
            // A partial send (a signal, or a splice that moved part of the pipe): send the rest.
            let sqe = ring.sqe(connection.userData(.fileSend))
            let rest = file.chunkLength - file.chunkSent
            if let chunk = file.chunk, let chunks {
                io_uring_prep_send(
                    sqe, connection.fd, chunks.address(chunk) + file.chunkSent, rest,
                    Int32(MSG_NOSIGNAL | MSG_WAITALL))
            } else if let pipe = connection.pipe {
                io_uring_prep_splice(sqe, pipe.read, -1, connection.fd, -1, UInt32(rest), Self.spliceMove)
            }
            connection.file = file
            connection.inflight += 1
            connection.sending = true
            return
        }
        file.offset += Int64(file.chunkLength)
        file.remaining -= Int64(file.chunkLength)
        let chunk = file.chunk
        file.chunk = nil
        connection.file = file
        // Give the buffer back after every chunk so that many slow downloads share the pool fairly.
        if let chunk { releaseChunk(chunk) }
        if !connection.waitingForChunk { sendNextChunk(connection) }
    }

    /// Returns a file buffer to the pool and lets the longest-waiting connection use it.
    func releaseChunk(_ chunk: Int) {
        chunks?.give(chunk)
        while !waitingForChunk.isEmpty {
            let next = waitingForChunk.removeFirst()
            next.waitingForChunk = false
            guard !next.shuttingDown, next.file != nil else { continue }
            next.lastActivity = now
            sendNextChunk(next)
            return
        }
    }
}
