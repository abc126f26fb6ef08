import Foundation
import KibanRaft
import NIOCore
import Testing

@testable import KibanServer

/// The receiving side of a streamed snapshot, in process: chunks go to a spool file one at a
/// time, and a snapshot larger than the member takes is refused at its header.
@Suite("Snapshot receive: spool and bound")
struct SnapshotSpoolTests {
    /// Frames as a peer sends them, counting how many were read.
    struct Frames: AsyncIteratorProtocol {
        var frames: [ByteBuffer]
        var read = 0

        mutating func next() async throws -> ByteBuffer? {
            guard read < frames.count else { return nil }
            read += 1
            return frames[read - 1]
        }
    }

    static func frames(_ message: Message, corrupt: Bool = false) -> [ByteBuffer] {
        let data = message.snapshot?.data ?? []
        var out = [ByteBuffer(bytes: SnapshotHeader(message: message).encoded())]
        var offset = 0
        while offset < data.count {
            let end = min(offset + SnapshotStream.chunkBytesMax, data.count)
            var chunk = Array(data[offset..<end])
            if corrupt && offset == 0 { chunk[0] ^= 1 }
            out.append(ByteBuffer(bytes: chunk))
            offset = end
        }
        return out
    }

    static func spool() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-spool-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("A multi-chunk snapshot arrives whole and its spool file is gone afterwards")
    func roundTrip() async throws {
        let spool = try Self.spool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let message = StreamFormatFuzzTests.snapshotMessage(bytes: 3_500_000)
        var frames = Frames(frames: Self.frames(message))
        let (received, chunks) = try await SnapshotStream.receive(&frames, spool: spool, from: message.from)
        #expect(chunks == 4)
        #expect(received.snapshot?.data == message.snapshot?.data)
        #expect(received.snapshot?.metadata == message.snapshot?.metadata)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test("A snapshot over the member's bound is refused at its header, before any chunk is read")
    func overBound() async throws {
        let spool = try Self.spool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let message = StreamFormatFuzzTests.snapshotMessage(bytes: 2_000_000)
        var frames = Frames(frames: Self.frames(message))
        do {
            _ = try await SnapshotStream.receive(&frames, spool: spool, from: message.from, bytesMax: 1_000_000)
            Issue.record("a snapshot over the bound must be refused")
        } catch let error as ServerError {
            #expect(error.message.contains("2000000 bytes is more than this member takes (1000000"))
        }
        #expect(frames.read == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test("A corrupted chunk is refused and leaves no spool file")
    func corrupted() async throws {
        let spool = try Self.spool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let message = StreamFormatFuzzTests.snapshotMessage(bytes: 1_500_000)
        var frames = Frames(frames: Self.frames(message, corrupt: true))
        await #expect(throws: ServerError.self) { _ = try await SnapshotStream.receive(&frames, spool: spool, from: message.from) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test("The receive bound is at most a quarter of the memory and at most the wire format's limit")
    func boundFromMemory() {
        #expect(SnapshotStream.receiveBytesMax <= ProcessInfo.processInfo.physicalMemory / 4)
        #expect(SnapshotStream.receiveBytesMax <= SnapshotHeader.totalBytesMax)
    }
}
