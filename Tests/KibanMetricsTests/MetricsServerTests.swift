import Foundation
import KibanMetrics
import Logging
import Testing

@Suite("Metrics port server")
struct MetricsServerTests {
    /// `curl ARGS`: the status code and the body.
    static func curl(_ args: [String]) throws -> (code: Int, body: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--max-time", "10", "-w", "\n%{http_code}"] + args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    @Test("GET /metrics and / answer their providers; other paths 404, other methods 405, a body 400")
    func routes() async throws {
        let content = MetricsServer.Content(metrics: { "kiban_raft_term 3\n" }, statusPage: { "<!DOCTYPE html><title>t</title>" })
        let server = try await MetricsServer.start(host: "127.0.0.1", port: 0, content: content, logger: Logger(label: "test"))
        let base = "http://127.0.0.1:\(server.port)"
        #expect(try Self.curl([base + "/metrics"]) == (200, "kiban_raft_term 3\n"))
        #expect(try Self.curl([base + "/"]).body.hasPrefix("<!DOCTYPE html>"))
        #expect(try Self.curl([base + "/status"]).code == 200)
        #expect(try Self.curl([base + "/boot/ipxe"]).code == 404)
        #expect(try Self.curl(["-X", "DELETE", base + "/metrics"]).code == 405)
        #expect(try Self.curl(["--data", "x=1", base + "/metrics"]).code == 400)
        #expect(try Self.curl(["-I", base + "/metrics"]).code == 200)
        await server.close()
        #expect(try Self.curl([base + "/metrics"]).code == 0, "nothing listens after close")
    }
}
