import Foundation
import KibanMetrics
import Logging
import Testing

@Suite("Metrics port server")
struct MetricsServerTests {
    /// `curl ARGS`: the status code and the body. Awaited, not waited for: a blocked thread of
    /// the cooperative pool could be the one the server needs to answer.
    static func curl(_ args: [String]) async throws -> (code: Int, body: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-curl-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        guard FileManager.default.createFile(atPath: file, contents: nil) else { return (0, "") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", "10", "-w", "\n%{http_code}"] + args
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            p.terminationHandler = { _ in done.resume() }
            do { try p.run() } catch { done.resume() }
        }
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("GET /metrics and / answer their providers; other paths 404, other methods 405, a body 400")
    func routes() async throws {
        let content = MetricsServer.Content(metrics: { "kiban_raft_term 3\n" }, statusPage: { "<!DOCTYPE html><title>t</title>" })
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, content: content, logger: Logger(label: "test"))
        let base = "http://127.0.0.1:\(server.port)"
        #expect(try await Self.curl([base + "/metrics"]) == (200, "kiban_raft_term 3\n"))
        #expect(try await Self.curl([base + "/"]).body.hasPrefix("<!DOCTYPE html>"))
        #expect(try await Self.curl([base + "/status"]).code == 200)
        #expect(try await Self.curl([base + "/boot/ipxe"]).code == 404)
        #expect(try await Self.curl(["-X", "DELETE", base + "/metrics"]).code == 405)
        #expect(try await Self.curl(["--data", "x=1", base + "/metrics"]).code == 400)
        #expect(try await Self.curl(["-I", base + "/metrics"]).code == 200)
        await server.close()
        #expect(try await Self.curl([base + "/metrics"]).code == 0, "nothing listens after close")
    }
}
