import Foundation
import KibanInventory
import KibanNodes
import KibanStore
import KibanTestSupport
import Testing

/// The operation queue on a one-member store: validation, order, bounds, results once.
@Suite("Operations on the store")
struct NodeOperationsTests {
    static func file(_ id: String, _ path: String = "/etc/kiban-test", content: String = "x") -> AgentOperation {
        AgentOperation(id: id, action: .writeFile(path: path, content: Data(content.utf8), mode: 0o644, owner: "root:root"))
    }

    static func command(_ id: String) -> AgentOperation { AgentOperation(id: id, action: .command(argv: ["/bin/true"], timeoutSeconds: 5)) }

    @Test("Operations are queued in order, listed pending, audited, and queuing the same batch again changes nothing")
    func enqueue() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let queue = NodeOperations(store: nodes.store)
        let first = try await queue.enqueue([Self.file("b-file"), Self.command("a-command")], serial: "KB-1", user: "alice", now: nodeT0)
        #expect(first.map(\.id) == ["b-file", "a-command"])
        try await queue.enqueue([Self.command("0-later")], serial: "KB-1", user: "alice", now: nodeT0)
        #expect(try await queue.pending(serial: "KB-1").map(\.id) == ["b-file", "a-command", "0-later"], "queue order, not id order")
        #expect(try await queue.enqueue([Self.file("b-file")], serial: "KB-1", user: "alice", now: nodeT0).isEmpty, "the same operation again")
        #expect(try await queue.pending(serial: "KB-1").count == 3)
        #expect(try await queue.pending(serial: "KB-2").isEmpty)
        let audit = try await nodes.store.auditLog(AuditQuery(action: "nodes.operations.add")).entries
        #expect(audit.count == 2 && audit.allSatisfy { $0.subject == "KB-1" && $0.actor == "alice" })
    }

    @Test("Every problem of a batch is listed and nothing is queued; unknown and retiring machines are refused")
    func refusals() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let queue = NodeOperations(store: nodes.store)
        let bad = [
            Self.file("ok"), Self.file("dots", "/etc/../shadow"), Self.file("ok"),
            AgentOperation(id: "big", action: .writeFile(path: "/a", content: Data(count: AgentOperation.fileBytesMax + 1), mode: 0o644, owner: "root:root")),
            AgentOperation(id: "slow", action: .command(argv: ["x"], timeoutSeconds: 0)), AgentOperation(id: "bad id!", action: .unit(name: "a", verb: .start)),
        ]
        await #expect { try await queue.enqueue(bad, serial: "KB-1", user: "alice", now: nodeT0) } throws: { error in
            guard let error = error as? NodeError, error.code == .invalidInput else { return false }
            return error.problems.count == 5 && error.problems.contains { $0.contains("'..'") } && error.problems.contains { $0.contains("appears twice") }
        }
        #expect(try await queue.list(serial: "KB-1").isEmpty)
        try await queue.enqueue([Self.file("same-id")], serial: "KB-1", user: "alice", now: nodeT0)
        await #expect { try await queue.enqueue([Self.file("same-id", content: "other")], serial: "KB-1", user: "alice", now: nodeT0) } throws: {
            ($0 as? NodeError)?.problems.first?.contains("already used") == true
        }
        await #expect { try await queue.enqueue([Self.command("c")], serial: "NOPE", user: "alice", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .notFound
        }
        try await InventoryService(store: nodes.store).setState("KB-2", .retiring, user: "alice", now: nodeT0)
        await #expect { try await queue.enqueue([Self.command("c")], serial: "KB-2", user: "alice", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .refused
        }
        let many = (0..<NodeOperations.pendingMax).map { Self.command("c\($0)") }
        await #expect { try await queue.enqueue(many, serial: "KB-1", user: "alice", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .refused && "\($0)".contains("pending")
        }
    }

    @Test("A result is recorded once for a pending operation; a repeat is ignored and an unknown id is not found")
    func results() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let queue = NodeOperations(store: nodes.store)
        try await queue.enqueue([Self.command("one"), Self.command("two")], serial: "KB-1", user: "alice", now: nodeT0)
        let failed = OperationResult(id: "one", succeeded: false, exitStatus: 3, output: "boom", finished: nodeT0)
        #expect(try await queue.recordResult(failed, serial: "KB-1", now: nodeT0))
        let again = OperationResult(id: "one", succeeded: true, exitStatus: 0, output: "", finished: nodeT0)
        #expect(try await !queue.recordResult(again, serial: "KB-1", now: nodeT0), "a second result changes nothing")
        let record = try #require(try await queue.record(serial: "KB-1", id: "one"))
        #expect(record.state == .failed && record.result?.exitStatus == 3 && record.result?.output == "boom")
        #expect(try await queue.pending(serial: "KB-1").map(\.id) == ["two"])
        await #expect { try await queue.recordResult(failed, serial: "KB-2", now: nodeT0) } throws: { ($0 as? NodeError)?.code == .notFound }
        await #expect { try await queue.recordResult(OperationResult(id: "nope", succeeded: true, finished: nodeT0), serial: "KB-1", now: nodeT0) } throws: {
            ($0 as? NodeError)?.code == .notFound
        }
        let results = try await nodes.store.auditLog(AuditQuery(action: "nodes.operations.result")).entries
        #expect(results.count == 1 && results.first?.actor == "node:KB-1" && results.first?.outcome == "failed")
    }

    @Test("Finished operations beyond the kept number are pruned, oldest first, when new ones are queued")
    func pruning() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let queue = NodeOperations(store: nodes.store)
        let ids = (0..<(NodeOperations.finishedKept + 2)).map { String(format: "op-%03d", $0) }
        for chunk in stride(from: 0, to: ids.count, by: 128) {
            let batch = ids[chunk..<min(chunk + 128, ids.count)].map(Self.command)
            try await queue.enqueue(batch, serial: "KB-1", user: "alice", now: nodeT0)
            for operation in batch {
                try await queue.recordResult(OperationResult(id: operation.id, succeeded: true, finished: nodeT0), serial: "KB-1", now: nodeT0)
            }
        }
        try await queue.enqueue([Self.command("new")], serial: "KB-1", user: "alice", now: nodeT0)
        let kept = try await queue.list(serial: "KB-1").map(\.id)
        #expect(kept.count == NodeOperations.finishedKept + 1)
        #expect(kept.first == "op-002" && kept.last == "new")
    }

    @Test("Operator documents: defaults, octal modes, base64, and every problem listed")
    func documents() throws {
        let json = """
            [{"id": "f", "write-file": {"path": "/etc/a", "content": "hi"}},
             {"id": "g", "write-file": {"path": "/etc/b", "content-base64": "aGk=", "mode": "0600", "owner": "kiban:kiban"}},
             {"id": "u", "unit": {"name": "kubelet.service", "verb": "restart"}},
             {"id": "c", "command": ["/bin/true"]}]
            """
        let documents = try JSONDecoder().decode([OperationDocument].self, from: Data(json.utf8))
        let operations = try OperationDocument.operations(documents)
        #expect(operations[0].action == .writeFile(path: "/etc/a", content: Data("hi".utf8), mode: 0o644, owner: "root:root"))
        #expect(operations[1].action == .writeFile(path: "/etc/b", content: Data("hi".utf8), mode: 0o600, owner: "kiban:kiban"))
        #expect(operations[3].action == .command(argv: ["/bin/true"], timeoutSeconds: 60))
        let broken = """
            [{"id": "two", "unit": {"name": "a", "verb": "start"}, "command": ["x"]},
             {"id": "mode", "write-file": {"path": "/etc/a", "content": "", "mode": "9"}},
             {"id": "rel", "write-file": {"path": "etc/a", "content": ""}}]
            """
        #expect {
            try OperationDocument.operations(try JSONDecoder().decode([OperationDocument].self, from: Data(broken.utf8)))
        } throws: { ($0 as? NodeError)?.problems.count == 3 }
    }
}
