import Foundation
import KibanAdminAPI
import KibanTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A watcher that stops reading, over the real admin socket of a real daemon: the store's
/// bound (10,000 events or 64 MiB per watch) cancels it, the daemon's memory stays bounded,
/// and other clients are served meanwhile.
@Suite("A slow watcher over the admin socket", .serialized)
struct SlowWatcherTests {
    /// Puts per transaction (the admin API's most), bytes per value, transactions written:
    /// 256 MiB of values, four times the byte bound.
    static let putsPerTxn = 128, valueBytes = 8 << 10, txnsMax = 256

    @Test("A watcher that stops reading is cancelled with a re-list error; memory stays bounded; other clients keep working")
    func slowWatcherCancelled() async throws {
        try await DaemonTestSupport.withMember("slow") { server, _ in
            let pid = try #require(server.pid)
            let stalled = try StalledWatch(socket: server.socket, prefix: "w/")
            let rssBefore = try #require(Self.statusKiB(pid, "VmRSS:"))
            let peakBefore = try #require(Self.statusKiB(pid, "VmHWM:"))
            let admin = AdminClient(socketPath: server.socket, answerSecondsMax: 30)
            for txn in 0..<Self.txnsMax {
                let outcome = try await onOwnThread { admin.exchange("POST", "/v1/txn", body: Self.txnBody(txn)) }
                guard case .answered(200, _) = outcome else { throw TestFailure("transaction \(txn): \(outcome)") }
                if txn == Self.txnsMax / 2 {
                    // The stalled watcher holds nothing up: other clients are answered at once.
                    #expect(server.cli("kv", "get", "w/1").code == 0)
                    #expect(server.cli("status", "-o", "json").code == 0)
                }
            }
            let rssAfter = try #require(Self.statusKiB(pid, "VmRSS:"))
            let peakAfter = try #require(Self.statusKiB(pid, "VmHWM:"))
            let writtenKiB = Self.txnsMax * Self.putsPerTxn * Self.valueBytes >> 10
            // The client reads again: what was in flight, then the error (the daemon's writer
            // learns of the cancellation when the socket takes its next line).
            let lines = try await onOwnThread { stalled.readAll(deadlineSeconds: 60) }
            print(
                "slow watcher: \(lines.count - 1) events of \(Self.txnsMax * Self.putsPerTxn) reached the client; "
                    + "RSS \(rssBefore) → \(rssAfter) KiB, peak \(peakBefore) → \(peakAfter) KiB; \(writtenKiB) KiB written")
            let last = try #require(lines.last)
            #expect(
                last.contains("\"error\"") && last.contains("watch cancelled: the client fell behind") && last.contains("re-list"),
                "\(last.prefix(300))")
            #expect(lines.count - 1 < 1_000, "the watcher got the error instead of every event")
            #expect(server.log.contains("the store ended a watch") && server.log.contains("fell behind"), "the daemon logs the cancellation")
            // An unbounded watcher would have held all 256 MiB; this daemon's peak grew by less
            // than half of it (the 64 MiB bound plus the store's own working set).
            #expect(peakAfter - peakBefore < writtenKiB / 2, "peak RSS grew by \(peakAfter - peakBefore) KiB")
            // Afterwards the daemon still serves writes and reads.
            #expect(server.cli("kv", "put", "after", "1").code == 0)
            #expect(server.cli("kv", "get", "after").stdout == "1\n")
        }
    }

    static func txnBody(_ txn: Int) -> Data {
        let value = String(repeating: "v", count: valueBytes)
        let puts = (0..<putsPerTxn).map { i in ["put": ["key": "w/\((txn * putsPerTxn + i) % 1000)", "value": value]] }
        return (try? JSONSerialization.data(withJSONObject: ["success": puts])) ?? Data()
    }

    /// A line of `/proc/PID/status` in KiB.
    static func statusKiB(_ pid: Int32, _ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return status.components(separatedBy: "\n").first { $0.hasPrefix(field) }.flatMap { Int($0.filter(\.isNumber)) }
    }
}

/// `GET /v1/watch` on a Unix socket whose answer is not read until ``readAll(deadlineSeconds:)``.
final class StalledWatch: Sendable {
    let fd: Int32

    init(socket path: String, prefix: String) throws {
        let admin = AdminClient(socketPath: path)
        fd = try admin.openConnection(timeoutSeconds: 1)
        // A throw from here on closes fd in deinit.
        try admin.writeAll(fd, Array("GET /v1/watch?key=\(prefix)&prefix=true HTTP/1.1\r\nHost: kiban\r\n\r\n".utf8))
    }

    deinit { close(fd) }

    /// Everything the daemon sends until its last chunk, the end of the connection or
    /// `deadlineSeconds`, as the body's JSON lines (chunked encoding's size lines dropped).
    func readAll(deadlineSeconds: Int) -> [String] {
        let deadline = ContinuousClock.now + .seconds(deadlineSeconds)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while ContinuousClock.now < deadline {
            let n = read(fd, &buffer, buffer.count)
            if n == 0 { break }
            if n > 0 { bytes += buffer[0..<n] }
            if bytes.suffix(5).elementsEqual("0\r\n\r\n".utf8) { break }  // the last chunk
        }
        // Split bytes, not Characters: "\r\n" is one Character in Swift.
        return bytes.split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
            .filter { $0.first == UInt8(ascii: "{") }.map { String(decoding: $0, as: UTF8.self) }
    }
}
