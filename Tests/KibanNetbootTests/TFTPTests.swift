import KibanNetboot
import KibanTestSupport
import Testing

@Suite("TFTP")
struct TFTPTests {
    /// Plays a client that acknowledges every block; returns the bytes received and the actions.
    private func download(size: UInt64, options: [(String, String)] = []) -> (received: Int, blocks: [Int], done: Bool) {
        let rrq = TFTPPacket.readRequest(filename: "undionly.kpxe", mode: "octet", options: options)
        var (session, action) = TFTPSession.start(rrq, fileSize: size, now: 0)
        var received = 0
        var lengths: [Int] = []
        var steps = 0
        while var s = session, steps < 200_000 {
            steps += 1
            switch action {
            case .send(.optionAck):
                action = s.receive(.ack(block: 0), now: 0)
            case .sendBlock(let block, _, let length):
                received += length
                lengths.append(length)
                action = s.receive(.ack(block: block), now: 0)
            case .finish(let completed):
                return (received, lengths, completed)
            default:
                return (received, lengths, false)
            }
            session = s
        }
        return (received, lengths, false)
    }

    @Test("A file is sent in blocks, the last one short (RFC 1350)", arguments: [(0, 1), (100, 1), (512, 2), (1500, 3)])
    func blocks(size: Int, count: Int) {
        let r = download(size: UInt64(size))
        #expect(r.done && r.received == size && r.blocks.count == count)
        #expect(r.blocks.dropLast().allSatisfy { $0 == 512 } && (r.blocks.last ?? 0) < 512)
    }

    @Test("blksize, tsize and timeout are negotiated with an OACK (RFC 2347–2349)")
    func options() {
        let rrq = TFTPPacket.readRequest(filename: "f", mode: "octet", options: [("blksize", "1432"), ("tsize", "0"), ("timeout", "3"), ("windowsize", "4")])
        let (session, first) = TFTPSession.start(rrq, fileSize: 70_000, now: 0)
        guard case .send(.optionAck(let accepted)) = first else {
            Issue.record("no OACK: \(first)")
            return
        }
        #expect(accepted.map { "\($0.0)=\($0.1)" } == ["blksize=1432", "tsize=70000", "timeout=3"])
        #expect(session?.blockSize == 1432)
        let r = download(size: 70_000, options: [("blksize", "1432")])
        #expect(r.done && r.received == 70_000 && r.blocks.count == 49)
    }

    @Test("A timeout above 5 s is capped: the session resends every 5 s and gives up within half a minute")
    func timeoutCap() {
        let rrq = TFTPPacket.readRequest(filename: "f", mode: "octet", options: [("timeout", "255")])
        let (started, first) = TFTPSession.start(rrq, fileSize: 10, now: 0)
        guard var session = started, case .send(.optionAck(let accepted)) = first else {
            Issue.record("no OACK: \(first)")
            return
        }
        #expect(accepted.map { "\($0.0)=\($0.1)" } == ["timeout=5"])
        #expect(session.timeoutSeconds == 5)
        #expect(session.tick(now: 4999) == .none)
        #expect(session.tick(now: 5000) == first)
        let ends = (2...6).map { session.tick(now: UInt64($0) * 5000) }
        #expect(ends.last == .finish(completed: false))
    }

    @Test("Block numbers wrap past 65535 and the transfer still completes")
    func wraparound() {
        let r = download(size: 8 * 70_000 + 3, options: [("blksize", "8")])
        #expect(r.done && r.received == 8 * 70_000 + 3)
    }

    @Test("A duplicate ACK is ignored, not answered (no sorcerer's apprentice)")
    func duplicateAck() {
        var (session, _) = TFTPSession.start(.readRequest(filename: "f", mode: "octet", options: []), fileSize: 2000, now: 0)
        let next = session?.receive(.ack(block: 1), now: 0)
        #expect(next == .sendBlock(block: 2, offset: 512, length: 512))
        #expect(session?.receive(.ack(block: 1), now: 0) == TFTPSession.Action.none)
    }

    @Test("A silent client gets the block again after the timeout, then the session gives up")
    func retransmission() {
        var (s, first) = TFTPSession.start(.readRequest(filename: "f", mode: "octet", options: []), fileSize: 10, now: 100)
        #expect(s?.tick(now: 100) == TFTPSession.Action.none)
        #expect(s?.tick(now: 1099) == TFTPSession.Action.none)
        for i in 1...TFTPSession.retriesMax {
            #expect(s?.tick(now: 100 + UInt64(i) * 1000) == first)
        }
        #expect(s?.tick(now: 100_000) == .finish(completed: false))
    }

    @Test("Unknown files and writes are refused with TFTP errors")
    func refusals() {
        let (s1, a1) = TFTPSession.start(.readRequest(filename: "nope", mode: "octet", options: []), fileSize: nil, now: 0)
        #expect(s1 == nil && a1 == .send(.error(code: .fileNotFound, message: "file not found")))
        let (s2, a2) = TFTPSession.start(.writeRequest(filename: "x"), fileSize: 1, now: 0)
        #expect(s2 == nil)
        guard case .send(.error(.accessViolation, _)) = a2 else {
            Issue.record("write not refused")
            return
        }
    }

    @Test(
        "Packets round-trip through bytes",
        arguments: [
            TFTPPacket.readRequest(filename: "undionly.kpxe", mode: "octet", options: [("blksize", "1456"), ("tsize", "0")]),
            .data(block: 7, payload: [1, 2, 3]), .ack(block: 65535), .error(code: .fileNotFound, message: "nope"),
            .optionAck([("blksize", "1456")]),
        ])
    func roundTrip(packet: TFTPPacket) throws {
        #expect(try TFTPPacket(bytes: packet.bytes) == packet)
    }

    @Test("Random and truncated datagrams never trap the parser (bounded fuzz)")
    func fuzz() {
        var rng = SeededRandom.forTest("TFTPTests")
        let seeds = [
            TFTPPacket.readRequest(filename: "a", mode: "octet", options: [("blksize", "512")]).bytes,
            TFTPPacket.ack(block: 1).bytes, TFTPPacket.error(code: .undefined, message: "x").bytes,
        ]
        for _ in 0..<20_000 {
            var b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 0...4, using: &rng) where !b.isEmpty {
                let i = Int.random(in: 0..<b.count, using: &rng)
                if Bool.random(using: &rng) { b[i] = UInt8.random(in: 0...255, using: &rng) } else { b.removeSubrange(i...) }
            }
            if let p = try? TFTPPacket(bytes: b) { _ = p.bytes }
        }
    }
}
