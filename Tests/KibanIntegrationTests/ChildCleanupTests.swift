import Foundation
import Glibc
import KibanTestSupport
import Testing

/// The support code leaves no `kiban server` behind: not when a setup throws, not when the
/// process that started a server is killed; and it moves to new ports when one is taken.
@Suite("Test servers die with their test and find free ports", .serialized)
struct ChildCleanupTests {
    @Test("When a setup throws, the servers it had started are gone")
    func failedSetup() async throws {
        let root = try temporaryDirectory("kiban-cleanup")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let seen = Seen()
        await #expect(throws: TestFailure.self) { try await Self.setUpAndFail(root: root, seen: seen) }
        #expect(seen.pids.count == 1, "the first server ran before the setup failed: \(seen.pids)")
        try await poll("the servers of the failed setup to be gone") { Self.servers(under: root).isEmpty }
        #expect(seen.pids.allSatisfy(ChildProcesses.isGone))
    }

    /// The pids a setup saw running.
    final class Seen: @unchecked Sendable {
        // @unchecked: written by the setup, then read by the test after it returned.
        var pids: [Int32] = []
    }

    /// Starts one server, then a second whose socket is not where the support waits for it (it
    /// listens on another path), so its start times out and the setup throws.
    static func setUpAndFail(root: String, seen: Seen) async throws {
        let first = ServerProcess(name: "ready", under: root)
        try await first.start()
        seen.pids = servers(under: root)
        let second = ServerProcess(name: "unready", under: root)
        second.extraArguments = ["--socket", root + "/elsewhere.sock"]
        try await second.start(readySeconds: 3)
    }

    @Test("A server whose parent process is SIGKILLed dies with it (parent-death signal)")
    func killedParent() async throws {
        let root = try temporaryDirectory("kiban-orphan")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = ServerProcess(name: "orphan", under: root)
        try server.prepareDirectory()
        let pidFile = root + "/child.pid"
        // A shell stands in for a test process: it starts the daemon the way the support does,
        // writes its pid and waits. Nothing kills the daemon but the kernel.
        let command = ChildProcesses.command(server.commandLine[0], Array(server.commandLine.dropFirst()))
        let helper = Process()
        helper.executableURL = URL(fileURLWithPath: "/bin/sh")
        helper.arguments = ["-c", "\"$@\" >>'\(server.logPath)' 2>&1 & echo $! >'\(pidFile)'; wait", "sh"] + command
        try helper.run()
        defer {
            if helper.isRunning { kill(helper.processIdentifier, SIGKILL) }
            helper.waitUntilExit()
        }
        try await poll("the helper to start the daemon") {
            ((try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? "").hasSuffix("\n")
        }
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if !ChildProcesses.isGone(pid) { kill(pid, SIGKILL) } }
        try await poll("the daemon to answer on its socket") { server.cli("status").stderr.isEmpty }
        #expect(Self.servers(under: root) == [pid])

        kill(helper.processIdentifier, SIGKILL)
        helper.waitUntilExit()
        try await poll("the daemon to die with its parent") { ChildProcesses.isGone(pid) }
        #expect(!server.cli("status").stderr.isEmpty, "nothing answers on the socket any more")
    }

    @Test("A port taken before `kiban init` binds it is replaced by a free one", arguments: ["peer", "http"])
    func takenPort(which: String) async throws {
        let root = try temporaryDirectory("kiban-taken-\(which)")
        let server = ServerProcess(name: "moved", under: root)
        defer {
            server.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        let taken = which == "peer" ? server.peerPort : server.httpPort
        let holder = try Self.listen(on: taken)
        defer { close(holder) }
        try await server.start()
        let initialized = try await server.bindingCLI(["init"])
        #expect(initialized.code == 0, "\(initialized.stderr)")
        let now = which == "peer" ? server.peerPort : server.httpPort
        #expect(now != taken)
        try await poll("the member to lead on its new ports") { server.status()?["leader"] as? String == "moved" }
        if which == "http" {
            // The peer port's refusal fails `kiban init` itself; the boot port's is only logged.
            #expect(server.log.contains("Address already in use"), "the first attempt met the taken port")
            let got = ServerProcess.run(
                [
                    "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30",
                    "http://127.0.0.1:\(server.httpPort)/boot/ipxe",
                ],
                executable: URL(fileURLWithPath: "/usr/bin/curl"))
            #expect(got.stdout != "000", "the daemon serves HTTP on its new port")
        }
    }

    /// A TCP socket listening on `port` on every address: nobody else can bind it.
    static func listen(on port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard fd >= 0, ok, Glibc.listen(fd, 1) == 0 else {
            close(fd)
            throw TestFailure("cannot hold port \(port): errno \(errno)")
        }
        return fd
    }

    /// The live (not zombie) `kiban server` processes whose arguments mention `root`: the
    /// daemons of one test (not the CLI runs that ask them, nor a shell that started them).
    static func servers(under root: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                let program = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
            else { return false }
            let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return program.hasSuffix("/kiban") && argv.dropFirst().first == "server"
                && argv.contains { $0.hasPrefix(root + "/") } && !ChildProcesses.isGone(pid)
        }.sorted()
    }
}
