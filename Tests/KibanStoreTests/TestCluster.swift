import Foundation
import KibanRaft
import KibanStore
import KibanTestSupport
import Logging
import Synchronization

/// Real stores with real SQLite files in a temp dir, connected by a LocalNetwork.
final class TestCluster: Sendable {
    let dir: TemporaryDirectory
    let network = LocalNetwork()
    let ids: [NodeID]
    private let running = Mutex<[NodeID: Store]>([:])
    let snapshotEntries: UInt64
    let requestAttemptsMax: Int
    let historyRevisionsKept: Int64
    /// Changes to every member's options (bounds under test).
    let tune: @Sendable (inout StoreOptions) -> Void
    static let logger = Logger(label: "kiban.store.test", factory: { _ in SwiftLogNoOpLogHandler() })

    init(
        size: Int, snapshotEntries: UInt64 = 10_000, requestAttemptsMax: Int = 10,
        historyRevisionsKept: Int64 = 100_000, tune: @escaping @Sendable (inout StoreOptions) -> Void = { _ in }
    ) async throws {
        dir = try TemporaryDirectory("kiban-store-test")
        ids = (1...NodeID(size)).map { $0 }
        self.snapshotEntries = snapshotEntries
        self.requestAttemptsMax = requestAttemptsMax
        self.historyRevisionsKept = historyRevisionsKept
        self.tune = tune
        for id in ids { try await start(id) }
    }

    func options(_ id: NodeID) -> StoreOptions {
        // Members beyond the founding ones start empty and wait to be added.
        let bootstrap = ids.contains(id) ? ConfState(voters: Set(ids)) : nil
        var o = StoreCluster.options(id: id, directory: dir.file("m\(id)"), bootstrap: bootstrap)
        o.snapshotEntries = snapshotEntries
        o.requestAttemptsMax = requestAttemptsMax
        o.historyRevisionsKept = historyRevisionsKept
        tune(&o)
        return o
    }

    func start(_ id: NodeID) async throws {
        let store = try await Store.open(options(id), transport: network.transport(for: id), logger: Self.logger)
        running.withLock { $0[id] = store }
    }

    /// The running members.
    var stores: [NodeID: Store] { running.withLock { $0 } }

    /// Stops a member as a crash would (its files stay as they are).
    func crash(_ id: NodeID) async {
        let store = running.withLock { $0.removeValue(forKey: id) }
        await store?.stop()
        network.disconnect(id)
    }

    func stopAll() async {
        for id in ids { await crash(id) }
    }

    subscript(id: NodeID) -> Store {
        guard let s = stores[id] else { preconditionFailure("member \(id) is down") }
        return s
    }

    /// Waits (bounded) until a running member leads and the others that run follow it.
    @discardableResult
    func leader(timeout: Duration = .seconds(20)) async throws -> NodeID {
        try await until(timeout: timeout, "a leader is elected") {
            var leaders: Set<NodeID> = []
            for s in self.stores.values {
                let st = await s.status
                if st.role == .leader { leaders.insert(st.id) }
            }
            return leaders.count == 1 ? leaders.first : nil
        }
    }

    func followers(of leader: NodeID) -> [NodeID] { stores.keys.filter { $0 != leader }.sorted() }
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every few milliseconds until it returns a value, failing after `timeout`.
func until<T>(
    timeout: Duration = .seconds(60), _ what: String,
    _ condition: () async throws -> T?
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if let value = try await condition() { return value }
        try await Task.sleep(for: .milliseconds(5))
    }
    throw TimedOut(description: "timed out waiting until \(what)")
}

/// Waits until `condition` holds.
func until(timeout: Duration = .seconds(60), _ what: String, _ condition: () async throws -> Bool) async throws {
    _ = try await until(timeout: timeout, what) { try await condition() ? true : nil }
}
