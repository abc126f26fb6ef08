import CUring
import Glibc

/// `FileSendStrategy.splice`: file → pipe → socket with two linked `SPLICE`s per chunk.
extension RingLoop {
    /// `SPLICE_F_MOVE`, hidden behind `_GNU_SOURCE`: move pages instead of copying when possible.
    static let spliceMove: UInt32 = 1
    /// `F_SETPIPE_SZ` and `F_GETPIPE_SZ`, hidden behind `_GNU_SOURCE` like the flag above.
    private static let setPipeSize: Int32 = 1031
    private static let getPipeSize: Int32 = 1032

    func spliceNextChunk(_ connection: Connection, _ stream: FileStream) {
        guard let pipe = connection.pipe ?? makePipe(connection) else {
            abort(connection)
            return
        }
        // A pipe holds whole pages: a chunk starting mid-page may only fill it up to the next
        // page boundary, else the file → pipe splice comes up short and breaks the link.
        let misalignment = Int(stream.offset % 4096)
        let length = Int(min(stream.remaining, Int64(pipe.size - misalignment)))
        submitChunk(connection, stream, length: length) { fill in
            io_uring_prep_splice(fill, stream.fd, stream.offset, pipe.write, -1, UInt32(length), Self.spliceMove)
        } drain: { drain in
            io_uring_prep_splice(drain, pipe.read, -1, connection.fd, -1, UInt32(length), Self.spliceMove)
        }
    }

    /// A pipe sized to one file chunk (or what the system allows), or nil when none can be made.
    private func makePipe(_ connection: Connection) -> (read: Int32, write: Int32, size: Int)? {
        var fds: [Int32] = [0, 0]
        // pipe2 is hidden behind _GNU_SOURCE; a child spawned before FD_CLOEXEC is set only holds
        // the pipe open until it execs or exits.
        guard (try? syscall("pipe", { Glibc.pipe(&fds) })) != nil else { return nil }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], Self.setPipeSize, Int32(limits.fileChunkBytes))
        let size = Int(fcntl(fds[1], Self.getPipeSize))
        let pipe = (read: fds[0], write: fds[1], size: max(4096, size))
        connection.pipe = pipe
        return pipe
    }
}
