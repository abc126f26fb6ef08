import KibanIO
import KibanNetboot
import KibanRaft
import KibanStore
import Logging
import Synchronization

/// A 3-member (by default) in-process store cluster on a `LocalNetwork`, and one DHCP server
/// per address, each on its own member and its own io_uring runtime, so that killing a member
/// stops its DHCP server as losing a boot server would.
final class Cluster: Sendable {
    struct Member: Sendable {
        var store: Store
        var dhcp: [(server: DHCPServer, runtime: IORuntime)]
    }

    let network = LocalNetwork()
    let members = Mutex<[NodeID: Member]>([:])
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Opens the members, waits for a leader, then starts a DHCP server per address.
    func start(_ o: Options) async throws {
        let ids = (1...NodeID(o.members)).map { $0 }
        for id in ids {
            var options = StoreOptions(id: id, directory: o.directory + "/m\(id)", bootstrap: ConfState(voters: Set(ids)))
            options.tickInterval = .milliseconds(20)
            let store = try await Store.open(options, transport: network.transport(for: id), logger: logger)
            members.withLock { $0[id] = Member(store: store, dhcp: []) }
        }
        _ = try await until("a leader is elected") { await self.leader() }
        var configuration = DHCPServerConfiguration(pool: { [o] in o.pool(for: $0) })
        configuration.leaseSeconds = o.leaseSeconds
        configuration.offersInStore = o.offersInStore
        configuration.boot = BootFiles(httpBase: "http://\(o.servers.first ?? "127.0.0.1"):10080")
        for (i, text) in o.servers.enumerated() {
            guard let address = IPv4Endpoint(text, port: 67) else { throw HarnessError("bad address \(text)") }
            let id = ids[i % ids.count]
            guard let store = members.withLock({ $0[id]?.store }) else { continue }
            let server = DHCPServer(store: store, configuration: configuration, logger: logger)
            try await until("the lease listing works") { (try? await server.start()).map { true } }
            let runtime = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                udp: [server.service(at: address, device: o.device)], logger: logger)
            members.withLock { $0[id]?.dhcp.append((server, runtime)) }
        }
    }

    /// The current leader, if a running member leads.
    func leader() async -> NodeID? {
        for m in members.withLock({ Array($0.values) }) {
            let s = await m.store.status
            if s.role == .leader { return s.id }
        }
        return nil
    }

    /// Stops a member's DHCP servers and its store, as a crash of that boot server would.
    func kill(_ id: NodeID) async {
        guard let m = members.withLock({ $0.removeValue(forKey: id) }) else { return }
        for d in m.dhcp {
            d.runtime.shutdown()
            d.server.stop()
        }
        await m.store.stop()
        network.disconnect(id)
    }

    /// Stops everything.
    func stopAll() async {
        for id in members.withLock({ Array($0.keys) }) { await kill(id) }
    }

    /// Every running DHCP server's counters, summed.
    var counters: DHCPCounters {
        var total = DHCPCounters()
        for m in members.withLock({ Array($0.values) }) {
            for d in m.dhcp { total.add(d.server.counters) }
        }
        return total
    }
}

extension DHCPCounters {
    mutating func add(_ o: DHCPCounters) {
        received += o.received
        committed += o.committed
        for (k, v) in o.replied { replied[k, default: 0] += v }
        for (k, v) in o.dropped { dropped[k, default: 0] += v }
    }
}

/// What went wrong in the harness itself.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it returns a value, for at most `seconds`.
@discardableResult
func until<T>(_ what: String, seconds: Int = 30, _ condition: () async throws -> T?) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(seconds)
    while clock.now < deadline {
        if let v = try await condition() { return v }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw HarnessError("timed out waiting until \(what)")
}
