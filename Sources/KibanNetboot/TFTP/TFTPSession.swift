/// One read transfer (RFC 1350 with RFC 2347–2349 options), as a state machine: events in,
/// actions out; the shell owns the socket, the file and the clock (`now`: monotonic milliseconds).
///
/// Only a new ACK for the block in flight advances the transfer; a duplicate ACK is ignored
/// rather than answered, which avoids the sorcerer's apprentice syndrome (RFC 1123 §4.2.3.1).
/// A block unacknowledged for the timeout is sent again, up to ``retriesMax`` times.
public struct TFTPSession: Sendable {
    /// What the shell must do.
    public enum Action: Sendable, Equatable {
        /// Send this packet.
        case send(TFTPPacket)
        /// Send DATA `block`: `length` bytes of the file from `offset` (zero-copy friendly).
        case sendBlock(block: UInt16, offset: UInt64, length: Int)
        /// The transfer is over (completed or abandoned); forget the session.
        case finish(completed: Bool)
        /// Nothing to do.
        case none
    }

    /// Sends before giving up on a silent client.
    public static let retriesMax = 5
    /// The longest timeout a client may choose (RFC 2349 allows 255 s): with ``retriesMax``
    /// resends, a silent client holds its transfer's socket for at most about half a minute,
    /// not 25 minutes.
    public static let timeoutSecondsMax = 5

    /// The size of the file being sent.
    public let fileSize: UInt64
    /// Bytes per DATA block (512, or as negotiated).
    public private(set) var blockSize = 512
    /// Seconds before a block is sent again (1, or as negotiated).
    public private(set) var timeoutSeconds = 1
    /// Blocks acknowledged so far (the transfer position, independent of 16-bit wraparound).
    private var acked: UInt64 = 0
    /// True while waiting for the ACK of the OACK (block 0).
    private var awaitingOptionAck = false
    private var lastSent: Action = .none
    private var lastSendTime: UInt64 = 0
    private var retries = 0

    private init(fileSize: UInt64) { self.fileSize = fileSize }

    /// Starts a transfer for a read request of a file of `fileSize` bytes (nil: no such file).
    /// Returns the session (nil when refused) and the first action.
    public static func start(_ request: TFTPPacket, fileSize: UInt64?, now: UInt64) -> (TFTPSession?, Action) {
        guard case .readRequest(_, let mode, let options) = request else {
            return (nil, .send(.error(code: .accessViolation, message: "read-only server")))
        }
        guard mode == "octet" || mode == "netascii" else {
            return (nil, .send(.error(code: .illegalOperation, message: "mode \(mode) not supported")))
        }
        guard let fileSize else { return (nil, .send(.error(code: .fileNotFound, message: "file not found"))) }
        var s = TFTPSession(fileSize: fileSize)
        let accepted = s.negotiate(options)
        let first: Action
        if accepted.isEmpty {
            first = s.blockAction(1)
        } else {
            s.awaitingOptionAck = true
            first = .send(.optionAck(accepted))
        }
        s.lastSent = first
        s.lastSendTime = now
        return (s, first)
    }

    /// RFC 2348 blksize (8–65464), RFC 2349 tsize (answered with the size) and timeout (1–255,
    /// capped at ``timeoutSecondsMax`` and answered with the value used: RFC 2349 expects the
    /// client's value echoed, but a client that dislikes the OACK can refuse it with ERROR 8 and
    /// ask again without options, which PXE firmware and iPXE never need: they ask for no timeout).
    private mutating func negotiate(_ options: [(String, String)]) -> [(String, String)] {
        var accepted: [(String, String)] = []
        for (name, value) in options {
            switch name {
            case "blksize":
                if let v = Int(value), v >= 8 {
                    blockSize = min(v, 1468)  // fits one Ethernet frame: no IP fragmentation
                    accepted.append((name, String(blockSize)))
                }
            case "tsize":
                accepted.append((name, String(fileSize)))
            case "timeout":
                if let v = Int(value), (1...255).contains(v) {
                    timeoutSeconds = min(v, Self.timeoutSecondsMax)
                    accepted.append((name, String(timeoutSeconds)))
                }
            default:
                continue
            }
        }
        return accepted
    }

    /// The number of blocks: a file that is a multiple of the block size ends with an empty one.
    private var blockCount: UInt64 { fileSize / UInt64(blockSize) + 1 }

    private func blockAction(_ n: UInt64) -> Action {
        let offset = (n - 1) * UInt64(blockSize)
        let length = Int(min(UInt64(blockSize), fileSize - min(offset, fileSize)))
        return .sendBlock(block: UInt16(truncatingIfNeeded: n), offset: offset, length: length)
    }

    /// Handles a packet from the client's transfer id.
    public mutating func receive(_ packet: TFTPPacket, now: UInt64) -> Action {
        switch packet {
        case .ack(let block):
            let expected = awaitingOptionAck ? 0 : UInt16(truncatingIfNeeded: acked + 1)
            guard block == expected else { return .none }  // duplicate or stale: ignore
            if awaitingOptionAck { awaitingOptionAck = false } else { acked += 1 }
            if acked == blockCount { return .finish(completed: true) }
            retries = 0
            lastSent = blockAction(acked + 1)
            lastSendTime = now
            return lastSent
        case .error:
            return .finish(completed: false)
        default:
            return .send(.error(code: .illegalOperation, message: "expected an ACK"))
        }
    }

    /// Called periodically: resends the last packet after the timeout, gives up after the
    /// retries.
    public mutating func tick(now: UInt64) -> Action {
        guard now >= lastSendTime + UInt64(timeoutSeconds) * 1000 else { return .none }
        guard retries < Self.retriesMax else { return .finish(completed: false) }
        retries += 1
        lastSendTime = now
        return lastSent
    }
}
