import Foundation
import KibanTestSupport
import Testing

/// The admin socket's guards, with a real daemon.
@Suite("Admin socket", .serialized)
struct AdminSocketTests {
    @Test("The socket is mode 0660, a second daemon cannot take it over, and the CLI says what to do without a daemon")
    func guards() async throws {
        let root = try temporaryDirectory("kiban-socket")
        let server = ServerProcess(name: "one", under: root)
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await server.start()
        let mode = try FileManager.default.attributesOfItem(atPath: server.socket)[.posixPermissions] as? Int
        #expect(mode == 0o660)

        let second = ServerProcess.run([
            "server", "--config", server.root + "/kiban.yaml", "--name", "two",
            "--data-dir", root + "/two", "--peer-port", "\(try FreePort.tcp())",
            "--socket", server.socket,
        ])
        #expect(second.code != 0)
        #expect((second.stdout + second.stderr).contains("another kiban daemon is serving"))
        #expect(server.cli("status").stderr.isEmpty, "the first daemon still answers")

        let none = ServerProcess.run(["status", "--socket", root + "/absent.sock"])
        #expect(none.code != 0 && none.stderr.contains("no daemon at \(root)/absent.sock: is kiban.service running?"))
    }

    @Test(
        "A user who is neither root nor in group kiban is refused by the socket's mode",
        .enabled(if: getuid() == 0, "needs root to run the CLI as another user"))
    func otherUser() async throws {
        let root = try temporaryDirectory("kiban-socket-user")
        let server = ServerProcess(name: "one", under: root)
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        try await server.start()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = [
            "--reuid=65534", "--regid=65534", "--clear-groups", ServerProcess.executable.path,
            "status", "--socket", server.socket,
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(message.contains("permission denied"))
    }
}
