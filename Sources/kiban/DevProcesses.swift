import Foundation
import KibanAdminAPI

/// The child processes of `kiban dev`.
struct DevProcesses {
    let root: String
    let basePort: Int
    var processes: [Int: Process] = [:]

    init(root: String, basePort: Int) {
        self.root = root
        self.basePort = basePort
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-dev-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func directory(_ i: Int) -> String { root + "/dev-\(i)" }
    func socket(_ i: Int) -> String { directory(i) + "/kiban.sock" }
    /// Member `i`'s unprivileged DHCP port.
    func dhcpPort(_ i: Int) -> Int { basePort + 10 + i }
    /// Member `i`'s HTTP boot port: BASE+20+i.
    func httpPort(_ i: Int) -> Int { basePort + 20 + i }
    /// Member `i`'s TFTP port: BASE+30+i.
    func tftpPort(_ i: Int) -> Int { basePort + 30 + i }
    /// Member `i`'s metrics port (Prometheus and the status page): BASE+40+i.
    func metricsPort(_ i: Int) -> Int { basePort + 40 + i }
    /// Member `i`'s node API port (agents): BASE+50+i.
    func nodePort(_ i: Int) -> Int { basePort + 50 + i }
    func client(_ i: Int) throws -> ClientOptions { try ClientOptions.parse(["--socket", socket(i)]) }

    /// Starts member `i` (`dev-i`, peer port BASE+i, DHCP port BASE+10+i), logging to its directory.
    mutating func start(member i: Int) throws {
        try FileManager.default.createDirectory(atPath: directory(i), withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [
            "server", "--config", directory(i) + "/kiban.yaml", "--name", "dev-\(i)",
            "--advertise-address", "127.0.0.1", "--peer-port", "\(basePort + i)",
            "--data-dir", directory(i) + "/data", "--socket", socket(i),
            "--dhcp-port", "\(dhcpPort(i))", "--http-port", "\(httpPort(i))", "--tftp-port", "\(tftpPort(i))",
            "--metrics-port", "\(metricsPort(i))", "--metrics-address", "127.0.0.1",
            "--node-port", "\(nodePort(i))", "--node-address", "127.0.0.1",
        ]
        try Data("# kiban dev member \(i): every setting comes from flags\n".utf8).write(to: URL(fileURLWithPath: directory(i) + "/kiban.yaml"))
        try Data().write(to: URL(fileURLWithPath: directory(i) + "/server.log"))
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory(i) + "/server.log"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        processes[i] = process
    }

    /// Init on dev-1, then a token and a join for dev-2 and dev-3; waits until all vote.
    func form() async throws {
        for i in 1...3 { try await waitUntil("dev-\(i) to answer on its socket") { (try? status(i)) != nil } }
        _ = try client(1).call("POST", "/v1/init", as: [String: String].self)
        for i in 2...3 {
            let (token, _) = try client(1).call(
                "POST", "/v1/tokens", body: TokenCreateBody(name: "dev-\(i)", ttlSeconds: 600),
                as: [String: String].self)
            _ = try client(i).call("POST", "/v1/join", body: ["token": token["token"] ?? ""], as: [String: String].self)
        }
        try await waitUntil("all three members to be voters") {
            let s = try? status(1)
            return s?.members.filter { $0.role == "voter" }.count == 3
        }
    }

    func status(_ i: Int) throws -> StatusInfo { try client(i).call("GET", "/v1/status", as: StatusInfo.self).0 }

    /// Polls `condition` every 100 ms for at most 60 s (the machine may be loaded).
    func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                throw AdminClient.Failure(description: "timed out waiting for \(what); see the logs under \(root)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// SIGTERM to every member, then wait for each (a leader hands over first).
    mutating func stopAll() {
        for p in processes.values where p.isRunning { p.terminate() }
        for p in processes.values { p.waitUntilExit() }
        processes = [:]
    }
}
