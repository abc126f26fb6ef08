import Foundation
import KibanRaft
import KibanStore
import Logging
import Testing

@testable import KibanNetboot

/// The server's shell against a real single-member store in a temporary directory: the view,
/// the compare-and-swap commit, the watch.
@Suite("DHCP server and the store")
struct DHCPServerStoreTests {
    static let logger = Logger(label: "kiban.dhcp.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens a one-member store in a fresh directory and runs `body` with it.
    static func withStore(_ body: (Store) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "kiban-dhcp-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var o = StoreOptions(id: 1, directory: dir, bootstrap: ConfState(voters: [1]))
        o.tickInterval = .milliseconds(10)
        let store = try await Store.open(o, transport: LocalNetwork().transport(for: 1), logger: logger)
        do { try await body(store) } catch {
            await store.stop()
            throw error
        }
        await store.stop()
    }

    /// Two started servers over one store, stopped after `body`.
    static func withTwoServers(_ body: (Store, DHCPServer, DHCPServer) async throws -> Void) async throws {
        try await withStore { store in
            let a = server(store)
            let b = server(store)
            try await a.start()
            try await b.start()
            defer {
                a.stop()
                b.stop()
            }
            try await body(store, a, b)
        }
    }

    static func server(_ store: Store, now: UInt64 = 1_000_000, offersInStore: Bool = true, batchesInFlight: Int = 2) -> DHCPServer {
        var c = DHCPServerConfiguration { address in Fixture.rack1.subnetContains(address) ? Fixture.rack1 : nil }
        c.now = { now }
        c.offersInStore = offersInStore
        c.commitBatchesInFlightMax = batchesInFlight
        return DHCPServer(store: store, configuration: c, logger: logger)
    }

    /// Decides as the handler does, at the fixture's time, on the fixture's server address.
    static func decide(_ s: DHCPServer, _ m: DHCPMessage) -> DHCPServer.Step {
        let c = s.configuration
        let context = c.context(local: ip("198.18.0.11"), leases: LeaseTable(), now: 1_000_000)
        return s.view.withLock { s.decide(m, context: context, boot: context.boot, c, view: &$0) }
    }

    /// Decides as the handler does, then commits; returns the offered address if the commit won.
    static func offer(_ s: DHCPServer, mac: UInt8) async -> UInt32? {
        let m = Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, mac], giaddr: ip("198.18.1.1"))
        let step = Self.decide(s, m)
        guard case .commit(let change, let revision, let reply?) = step else { return nil }
        return await s.commit(change, revision: revision, m) ? reply.0.yiaddr : nil
    }

    @Test("Lease keys sort by address and name it back")
    func keys() {
        #expect(String(decoding: LeaseRecord.key(ip("198.18.1.32")), as: UTF8.self) == "dhcp/leases/c6120120")
        #expect(LeaseRecord.address(ofKey: LeaseRecord.key(ip("10.0.0.1"))) == ip("10.0.0.1"))
        #expect(LeaseRecord.key(ip("9.255.255.255")).lexicographicallyPrecedes(LeaseRecord.key(ip("10.0.0.0"))))
        #expect(LeaseRecord.address(ofKey: Array("dhcp/leases/zz".utf8)) == nil)
        let lease = DHCPLease(address: ip("198.18.1.40"), mac: "52:54:00:00:00:01", state: .bound, expiresAt: 42)
        #expect(LeaseRecord.decode(LeaseRecord.encode(lease)) == lease)
        #expect(LeaseRecord.decode(Array("{}".utf8)) == nil)
    }

    @Test("A lease with any host name a client sends round-trips through its stored JSON")
    func hostileHostnames() {
        var generator = SystemRandomNumberGenerator()
        var names = ["\"quoted\" \\ back\nline\t\u{0}", "node-01", "ünïcode ☃", ""]
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...63, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            names.append(String(decoding: bytes, as: UTF8.self))
        }
        for name in names {
            let lease = DHCPLease(address: ip("198.18.1.40"), mac: "52:54:00:00:00:01", state: .bound, expiresAt: 42, hostname: name)
            #expect(LeaseRecord.decode(LeaseRecord.encode(lease)) == lease, "\(Array(name.utf8))")
        }
    }

    @Test("Two servers deciding from the same state offer one address to two clients: only one commit wins")
    func raceOnOneAddress() async throws {
        try await Self.withTwoServers { store, a, b in
            async let first = Self.offer(a, mac: 1)
            async let second = Self.offer(b, mac: 2)
            let won = [await first, await second].compactMap { $0 }
            #expect(won == [ip("198.18.1.100")])
            let stored = try await LeaseRecord.list(in: store)
            #expect(stored.map(\.address) == [ip("198.18.1.100")])
            #expect(a.counters.dropped(.lostRace) + b.counters.dropped(.lostRace) == 1)
        }
    }

    @Test("A server's view follows the leases another server commits, so its next offer avoids them")
    func viewFollowsWatch() async throws {
        try await Self.withTwoServers { _, a, b in
            #expect(await Self.offer(a, mac: 1) == ip("198.18.1.100"))
            let deadline = ContinuousClock.now + .seconds(10)
            while b.leases.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(b.leases.map(\.address) == [ip("198.18.1.100")])
            #expect(await Self.offer(b, mac: 2) == ip("198.18.1.101"))
        }
    }

    @Test("An address whose key was deleted (by the sweep, by hand, or while the view looked away) is leased again")
    func deletedAddressIsLeasedAgain() async throws {
        try await Self.withStore { store in
            let s = Self.server(store)
            try await s.start()
            defer { s.stop() }
            let first = ip("198.18.1.100")
            func waitForView(_ expected: [UInt32]) async throws {
                let deadline = ContinuousClock.now + .seconds(60)
                while s.leases.map(\.address) != expected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                #expect(s.leases.map(\.address) == expected)
            }
            // By hand (`kiban kv del dhcp/leases/ --prefix`): the watch's delete event.
            #expect(await Self.offer(s, mac: 1) == first)
            _ = try await store.delete(.prefix(LeaseRecord.prefix))
            try await waitForView([])
            #expect(await Self.offer(s, mac: 2) == first)
            // By the sweep: the server's own delete commit.
            let swept = await s.reclaimExpired(now: 1_000_000 + 3600, retentionSeconds: 0)
            #expect(swept == 1)
            try await waitForView([])
            #expect(await Self.offer(s, mac: 3) == first)
            // A view that missed the delete (a server that listed the leases once and does not
            // watch) loses one race for the client's REQUEST, takes what the failed compare
            // read, and wins when the client asks again.
            let blind = Self.server(store)
            _ = try await blind.load()
            #expect(blind.leases.map(\.address) == [first])
            _ = try await store.delete(.prefix(LeaseRecord.prefix))
            let request = Fixture.request(
                .request, mac: [0x52, 0x54, 0, 0, 0, 3], requested: first,
                server: ip("198.18.0.11"), giaddr: ip("198.18.1.1"))
            func commitRequest() async -> Bool {
                guard case .commit(let change, let revision, _) = Self.decide(blind, request) else { return false }
                return await blind.commit(change, revision: revision, request)
            }
            #expect(await commitRequest() == false)
            // The failed compare showed the offer gone: the REQUEST is NAKed, and the client's
            // next DISCOVER and REQUEST take the address.
            guard case .send(let nak, _) = Self.decide(blind, request) else {
                Issue.record("REQUEST without an offer not NAKed")
                return
            }
            #expect(nak.messageType == .nak)
            #expect(await Self.offer(blind, mac: 3) == first)
            #expect(await commitRequest() == true)
            #expect(try await LeaseRecord.list(in: store).map(\.address) == [first])
        }
    }

    @Test("With offers held in memory, an OFFER writes nothing and the next DISCOVER here gets the next address")
    func offersInMemory() async throws {
        try await Self.withStore { store in
            let s = Self.server(store, offersInStore: false)
            try await s.start()
            defer { s.stop() }
            let m = Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, 1], giaddr: ip("198.18.1.1"))
            let step = Self.decide(s, m)
            guard case .send(let offer, _) = step else {
                Issue.record("expected an immediate OFFER, got \(step)")
                return
            }
            #expect(offer.yiaddr == ip("198.18.1.100"))
            #expect(try await LeaseRecord.list(in: store).isEmpty)
            #expect(await Self.offer(s, mac: 2) == nil)  // an offer is sent, not committed
            #expect(s.leases.map(\.address) == [ip("198.18.1.100"), ip("198.18.1.101")])
        }
    }

    @Test("Changes decided while a transaction is in flight are committed together, each to its own address")
    func batching() async throws {
        try await Self.withStore { store in
            let s = Self.server(store, batchesInFlight: 1)
            try await s.start()
            defer { s.stop() }
            let won = await withTaskGroup(of: UInt32?.self) { group in
                for mac in UInt8(1)...10 { group.addTask { await Self.offer(s, mac: mac) } }
                return await group.reduce(into: [UInt32]()) { if let a = $1 { $0.append(a) } }
            }
            #expect(won.count == 10 && Set(won).count == 10)
            #expect(try await LeaseRecord.list(in: store).count == 10)
            #expect(s.counters.committed == 10)
            #expect(s.counters.transactions < 10, "\(s.counters.transactions) transactions for 10 changes")
        }
    }

    @Test("Past the bound on waiting changes, new DISCOVERs are shed first (at half of it), then every change")
    func shedding() async throws {
        try await Self.withStore { store in
            var c = DHCPServerConfiguration { address in Fixture.rack1.subnetContains(address) ? Fixture.rack1 : nil }
            c.now = { 1_000_000 }
            c.commitsInFlightMax = 4
            let s = DHCPServer(store: store, configuration: c, logger: Self.logger)
            func discover(_ mac: UInt8) -> DHCPServer.Step {
                Self.decide(s, Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, mac], giaddr: ip("198.18.1.1")))
            }
            // Decided but not committed: each stays waiting.
            for mac in UInt8(1)...2 {
                guard case .commit = discover(mac) else {
                    Issue.record("DISCOVER \(mac) not accepted")
                    return
                }
            }
            guard case .drop(.overloaded, _) = discover(3) else {
                Issue.record("third DISCOVER not shed")
                return
            }
            let request = { (mac: UInt8, address: String) in
                Fixture.request(
                    .request, mac: [0x52, 0x54, 0, 0, 0, mac], requested: ip(address), server: ip("198.18.0.11"),
                    giaddr: ip("198.18.1.1"))
            }
            // The clients hold offers (a SELECTING REQUEST binds only an offered address).
            for (mac, address) in [(UInt8(4), "198.18.1.104"), (5, "198.18.1.105"), (6, "198.18.1.106")] {
                let held = DHCPLease(address: ip(address), mac: macString([0x52, 0x54, 0, 0, 0, mac]), state: .offered, expiresAt: 1_000_030)
                s.view.withLock { $0.apply(address: held.address, lease: held, revision: 1) }
            }
            for (mac, address) in [(UInt8(4), "198.18.1.104"), (5, "198.18.1.105")] {
                guard case .commit = Self.decide(s, request(mac, address)) else {
                    Issue.record("REQUEST \(mac) not accepted")
                    return
                }
            }
            guard case .drop(.overloaded, _) = Self.decide(s, request(6, "198.18.1.106")) else {
                Issue.record("REQUEST past the bound not shed")
                return
            }
        }
    }

    @Test("A reserved address is busy until its commit settles, and a lost commit restores the view")
    func reserveAndSettle() {
        var v = LeaseView()
        let mine = DHCPLease(address: 7, mac: "m1", state: .offered, expiresAt: 100)
        #expect(v.reserve(.put(mine, previous: nil)) == 0)
        #expect(v.reserve(.put(mine, previous: nil)) == nil)
        #expect(v.table.lease(at: 7) == mine)
        v.settle(7, committedAt: nil)
        #expect(v.table.lease(at: 7) == nil)
        #expect(v.reserve(.put(mine, previous: nil)) == 0)
        v.settle(7, committedAt: 5)
        v.apply(address: 7, lease: nil, revision: 4)  // an older event changes nothing
        #expect(v.table.lease(at: 7) == mine)
        v.apply(address: 7, lease: nil, revision: 6)
        #expect(v.table.lease(at: 7) == nil)
    }
}
