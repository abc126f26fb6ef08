import Foundation
import KibanInventory
import KibanNodes
import KibanStore
import Testing

@Suite("The leader's health loop")
struct HealthMonitorTests {
    @Test("What the leader keeps of a report is bounded whatever the agent sent")
    func bounded() {
        let huge = HealthReport.Check(name: String(repeating: "n", count: 1000), passed: false, detail: String(repeating: "d", count: 100_000))
        let report = HealthReport.bounded(received: nodeT0, checks: Array(repeating: huge, count: 100))
        #expect(report.checks.count == HealthCheck.perRoleMax)
        #expect(report.checks.allSatisfy { $0.name.utf8.count == 64 && $0.detail.utf8.count == 256 && !$0.passed })
    }

    @Test("Only a leading member takes heartbeats; a new leader starts with a full grace period")
    func leadership() async throws {
        let (cluster, nodes) = try await nodeFixture()
        defer { Task { await cluster.stop() } }
        let monitor = HealthMonitor(service: nodes, rules: HealthRules(heartbeatSeconds: 5, missedHeartbeats: 3))
        let ok = HealthReport(received: nodeT0 + 1, checks: [.init(name: "kubelet", passed: true)])
        #expect(await !monitor.heartbeat("KB-1", ok), "a follower keeps no ledger")
        #expect(try await monitor.apply(now: nodeT0 + 1).isEmpty)

        await monitor.lead(now: nodeT0)
        #expect(await monitor.heartbeat("KB-1", ok))
        #expect(try await monitor.apply(now: nodeT0 + 2).map(\.serial) == ["KB-1"])
        #expect(try await nodes.inventory.machine("KB-1")?.state == .healthy)

        // The leader changes: the new one has heard nothing and waits a whole grace period.
        await monitor.follow()
        await monitor.lead(now: nodeT0 + 100)
        #expect(try await monitor.apply(now: nodeT0 + 110).isEmpty, "no machine is unreachable within the grace period")
        #expect(await monitor.heartbeat("KB-1", HealthReport(received: nodeT0 + 111)))
        let late = try await monitor.apply(now: nodeT0 + 116)
        #expect(late.isEmpty, "KB-1 reported; the others are uninitialized and have nothing to become")
        #expect(try await monitor.apply(now: nodeT0 + 130).map(\.change.state) == [.unreachable])
    }
}
