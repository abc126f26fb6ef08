import Foundation
import KibanRaft
import KibanTestSupport
import Testing

@testable import KibanServer

/// A snapshot transfer that breaks off or arrives corrupted is refused by the receiving member,
/// which keeps serving and leaves no spooled file behind.
@Suite("Broken snapshot transfers", .serialized)
struct SnapshotTransferFaultTests {
    @Test("A cut-off transfer and one whose SHA-256 does not match are refused and leave nothing behind")
    func refused() async throws {
        let root = try temporaryDirectory("kiban-transfer")
        let cluster = try await DaemonTestSupport.cluster(2, prefix: "x", root: root)
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let (target, sender) = (cluster.members[0], cluster.members[1])
        #expect(target.cli("kv", "put", "before", "1").code == 0)
        let from = try ClusterLifecycleTests.memberID(sender)
        let to = try ClusterLifecycleTests.memberID(target)

        var m = Message(kind: .snapshot, from: from, to: to, term: 1)
        m.snapshot = Snapshot(
            metadata: SnapshotMetadata(index: 1_000_000, term: 1, confState: ConfState(voters: [from, to])),
            data: (0..<2_500_000).map { UInt8(truncatingIfNeeded: $0) })
        let header = SnapshotHeader(message: m)
        #expect(header.chunkCount == 3)
        let data = m.snapshot?.data ?? []
        let chunks = stride(from: 0, to: data.count, by: 1 << 20).map { Array(data[$0..<min($0 + (1 << 20), data.count)]) }

        // Cut off after the first of three chunks.
        _ = Self.send(frames: [Self.hello(from: from), header.encoded(), chunks[0]], to: target, as: sender)
        try await poll("the target to refuse the cut-off transfer", seconds: DaemonTestSupport.waitSeconds) {
            target.log.contains("broke after 1 of 3 chunks")
        }
        // Every chunk, but the header's SHA-256 is not the data's.
        var forged = header
        forged.sha256 = [UInt8](repeating: 0, count: 32)
        _ = Self.send(frames: [Self.hello(from: from), forged.encoded()] + chunks, to: target, as: sender)
        try await poll("the target to refuse the corrupted transfer", seconds: DaemonTestSupport.waitSeconds) {
            target.log.contains("SHA-256 does not match")
        }
        #expect(!target.log.contains("received a snapshot"))
        let left = try FileManager.default.contentsOfDirectory(atPath: target.dataDir).filter { $0.hasPrefix("snapshot-in-") }
        #expect(left.isEmpty, "\(left)")
        #expect(target.cli("kv", "put", "after", "2").code == 0)
        #expect(sender.cli("kv", "get", "before").stdout == "1\n")
    }

    static func hello(from: UInt64) -> [UInt8] {
        Array("KBN".utf8) + [1, PeerHello.Purpose.snapshot.rawValue] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: from >> (UInt64($0) * 8)) }
    }

    /// Writes length-prefixed frames to `target`'s peer port with `sender`'s member certificate
    /// (`openssl s_client`, which closes once its input ends).
    static func send(frames: [[UInt8]], to target: ServerProcess, as sender: ServerProcess) -> CLIResult {
        var bytes: [UInt8] = []
        for f in frames {
            let n = UInt32(f.count)
            bytes += [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)] + f
        }
        let tls = sender.dataDir + "/tls"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = [
            "60", "/usr/bin/openssl", "s_client", "-connect", target.endpoint, "-tls1_3", "-cert", tls + "/member.pem",
            "-key", tls + "/member.key", "-CAfile", tls + "/ca.pem", "-verify_return_error", "-brief",
        ]
        let input = Pipe()
        let out = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return CLIResult(code: 255, stdout: "", stderr: "\(error)") }
        let writer = input.fileHandleForWriting
        let payload = Data(bytes)
        Thread.detachNewThread {
            writer.write(payload)
            try? writer.close()
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(code: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: "")
    }
}
