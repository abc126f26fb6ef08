import Foundation
import KibanTestSupport
import Synchronization
import Testing

/// `kiban kv watch`, `kiban kv txn`, `-o yaml` and audit records, against a real daemon.
@Suite("Watch, transactions and output formats", .serialized)
struct KVStreamTests {
    @Test("kv watch streams changes as JSON lines, from a revision, and a compacted revision gives the re-list error")
    func watch() async throws {
        try await DaemonTestSupport.withMember("w") { member, root in
            let start = try #require((member.status()?["revision"] as? NSNumber)?.int64Value) + 1
            let watcher = try Watcher(member, ["kv", "watch", "w/", "--prefix", "--from-revision", "\(start)", "-o", "json"])
            defer { watcher.stop() }
            #expect(member.cli("kv", "put", "w/a", "1").code == 0)
            #expect(member.cli("kv", "put", "other", "x").code == 0)
            #expect(member.cli("kv", "put", "w/b", "2").code == 0)
            #expect(member.cli("kv", "del", "w/a").code == 0)
            let lines = try await watcher.lines(3)
            let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(events.map { $0["type"] as? String } == ["put", "put", "delete"])
            #expect(events.map { $0["key"] as? String } == ["w/a", "w/b", "w/a"])
            let revisions = events.compactMap { ($0["revision"] as? NSNumber)?.int64Value }
            try #require(revisions.count == 3)
            #expect(revisions == revisions.sorted() && revisions.first ?? 0 >= start)

            // A second watch from the first event's revision replays the history (table output).
            let replay = try Watcher(member, ["kv", "watch", "w/a", "--from-revision", "\(revisions[0])"])
            defer { replay.stop() }
            #expect(try await replay.lines(2) == ["PUT \(revisions[0]) w/a 1", "DELETE \(revisions[2]) w/a "])
            // Ctrl-C ends the watch.
            #expect(replay.interrupt() == SIGINT)

            let now = try #require((member.status()?["revision"] as? NSNumber)?.int64Value)
            #expect(member.cli("kv", "compact", "\(now)").code == 0)
            let compacted = member.cli("kv", "watch", "w/", "--prefix", "--from-revision", "\(start)")
            #expect(compacted.code != 0)
            #expect(compacted.stderr.contains("compacted") && compacted.stderr.contains("re-list"), "\(compacted.stderr)")
        }
    }

    @Test("kv txn runs the success or the failure branch and refuses a malformed transaction")
    func txn() async throws {
        try await DaemonTestSupport.withMember("t") { member, root in
            #expect(member.cli("kv", "put", "leader", "boot-1").code == 0)
            let swap = root + "/swap.json"
            try Data(
                """
                {"compare": [{"key": "leader", "value": "boot-1"}, {"key": "lock", "version": 0}],
                 "success": [{"put": {"key": "leader", "value": "boot-2"}}, {"get": {"key": "leader"}}],
                 "failure": [{"get": {"key": "leader"}}]}
                """.utf8
            ).write(to: URL(fileURLWithPath: swap))
            let first = member.cli("kv", "txn", swap, "-o", "json")
            #expect(first.code == 0, "\(first.stderr)")
            #expect(first.json["succeeded"] as? Bool == true)
            let results = first.json["results"] as? [[String: Any]] ?? []
            #expect(results.map { $0["op"] as? String } == ["put", "get"])
            #expect(((results.last?["kvs"] as? [[String: Any]])?.first?["value"]) as? String == "boot-2")

            // The compare no longer holds: the failure branch runs and the exit status is 1.
            let second = member.cli("kv", "txn", swap)
            #expect(second.code == 1)
            #expect(second.stdout.contains("false") && second.stdout.contains("boot-2"), "\(second.stdout)")
            #expect(member.cli("kv", "get", "leader").stdout == "boot-2\n")

            let bad = root + "/bad.json"
            for (body, words) in [
                (#"{"compare": [{"key": "a", "value": "x", "version": 1}], "success": []}"#, "exactly one of"),
                (#"{"success": [{"put": {"key": "a", "value": "b"}, "get": {"key": "a"}}]}"#, "exactly one of put"),
                (#"{"compare": [{"key": "a", "op": "~", "version": 1}]}"#, "op ~"),
                ("{not json", "not valid JSON"),
            ] {
                try Data(body.utf8).write(to: URL(fileURLWithPath: bad))
                let r = member.cli("kv", "txn", bad)
                #expect(r.code != 0 && r.stderr.contains(words), "\(body): \(r.stderr)")
            }
            #expect(member.cli("kv", "get", "a").code == 1)
        }
    }

    @Test("-o yaml prints the same documents as -o json, quoting strings YAML would misread")
    func yaml() async throws {
        try await DaemonTestSupport.withMember("y") { member, root in
            let put = member.cli("kv", "put", "count", "123", "-o", "yaml")
            #expect(put.code == 0 && put.stdout.contains("succeeded: true"), "\(put.stdout)")
            let get = member.cli("kv", "get", "count", "-o", "yaml")
            #expect(get.stdout.contains("value: '123'") && get.stdout.contains("- createRevision: "), "\(get.stdout)")
            let status = member.cli("status", "-o", "yaml")
            #expect(status.stdout.contains("initialized: true") && status.stdout.contains("name: y-1"), "\(status.stdout)")
            for args in [["members", "list"], ["token", "list"], ["kv", "list", "count"]] {
                let r = ServerProcess.run(args + ["-o", "yaml", "--socket", member.socket])
                #expect(r.code == 0 && !r.stdout.contains("{"), "\(args): \(r.stdout)")
            }
        }
    }

    @Test("Changes through the admin API write audit records with the caller's uid")
    func audit() async throws {
        try await DaemonTestSupport.withMember("a") { member, root in
            #expect(member.cli("kv", "put", "audited", "v").code == 0)
            #expect(member.cli("token", "create", "someone").code == 0)
            let records = member.auditEntries()
            let actions = records.compactMap { "\($0["action"] as? String ?? "") \($0["subject"] as? String ?? "")" }
            #expect(
                actions.contains("kv.put audited") && actions.contains { $0.hasPrefix("token.create") } && actions.contains { $0.hasPrefix("cluster.init") },
                "\(actions)")
            #expect(
                records.allSatisfy {
                    ($0["actor"] as? String)?.hasPrefix("uid=\(getuid())") == true
                        && ($0["actor"] as? String)?.contains("gid=\(getgid())") == true && $0["member"] as? String == member.name
                })
        }
    }
}

/// A `kiban kv watch` process whose output lines the test reads as they come.
final class Watcher {
    /// What the process printed so far.
    final class Output: Sendable {
        private let text = Mutex("")
        func append(_ data: Data) { text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        var lines: [String] { text.withLock { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } }
    }

    private let process: Process
    private let output = Output()

    init(_ server: ServerProcess, _ args: [String]) throws {
        process = Process()
        process.executableURL = ServerProcess.executable
        process.arguments = args + ["--socket", server.socket]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        try ChildProcesses.launch(process)
    }

    deinit { if process.isRunning { stop() } }

    /// The first `count` lines, waiting for them up to the suite's deadline.
    func lines(_ count: Int) async throws -> [String] {
        try await poll("\(count) lines from kv watch", seconds: DaemonTestSupport.waitSeconds) {
            output.lines.count > count
        }
        return Array(output.lines.prefix(count))
    }

    /// SIGINT, as Ctrl-C sends; returns the signal that ended the process.
    func interrupt() -> Int32 {
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? process.terminationStatus : -1
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
