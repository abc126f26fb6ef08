import Foundation
import KibanStore
import Testing

@testable import KibanNetboot

/// Expired leases: which address allocation takes (pure), and what the reclamation sweep
/// deletes from a real store.
@Suite("DHCP lease reclamation")
struct DHCPReclaimTests {
    static let now: UInt64 = 1_000_000
    static func mac(_ n: Int) -> String { "52:54:00:00:00:0\(n)" }

    static func offered(_ leases: [DHCPLease], mac: UInt8, now: UInt64 = now) -> UInt32? {
        let m = Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, mac], giaddr: ip("198.18.1.1"))
        guard case .reply(let r, _, _) = DHCPResponder.respond(to: m, context: Fixture.context(leases: leases, now: now)) else { return nil }
        return r.yiaddr
    }

    @Test("Allocation takes a never-leased address before an expired one, then the one that expired first")
    func allocationOrder() {
        let pool = Fixture.rack1.range
        var leases = [
            DHCPLease(address: ip("198.18.1.100"), mac: Self.mac(1), state: .bound, expiresAt: Self.now - 50),
            DHCPLease(address: ip("198.18.1.101"), mac: Self.mac(2), state: .bound, expiresAt: Self.now - 500),
            DHCPLease(address: ip("198.18.1.102"), mac: Self.mac(3), state: .bound, expiresAt: Self.now + 500),
        ]
        #expect(Self.offered(leases, mac: 9) == ip("198.18.1.103"))
        // The pool full but for the expired two: the one expired longest goes first.
        for a in ip("198.18.1.103")...pool.upperBound {
            leases.append(DHCPLease(address: a, mac: "52:54:00:00:01:\(a % 100)", state: .bound, expiresAt: Self.now + 100))
        }
        #expect(Self.offered(leases, mac: 9) == ip("198.18.1.101"))
        // Its former client still gets it back first.
        #expect(Self.offered(leases, mac: 1) == ip("198.18.1.100"))
        // Nothing expired: no offer.
        leases[0].expiresAt = Self.now + 1
        leases[1].expiresAt = Self.now + 1
        #expect(Self.offered(leases, mac: 9) == nil)
    }

    @Test("A DECLINEd address is quarantined until its lease would have expired, then offered again")
    func declineQuarantine() {
        let address = ip("198.18.1.100")
        let bound = DHCPLease(address: address, mac: Self.mac(1), state: .bound, expiresAt: Self.now + 3600)
        let decline = Fixture.request(.decline, mac: [0x52, 0x54, 0, 0, 0, 1], requested: address, server: ip("198.18.0.11"))
        guard case .record(.put(let declined, _)) = DHCPResponder.respond(to: decline, context: Fixture.context(leases: [bound])) else {
            Issue.record("DECLINE not recorded")
            return
        }
        #expect(declined.state == .declined && declined.expiresAt == Self.now + 3600)
        #expect(Self.offered([declined], mac: 1) == ip("198.18.1.101"))
        #expect(Self.offered([declined], mac: 2) == ip("198.18.1.101"))
        #expect(Self.offered([declined], mac: 2, now: Self.now + 3599) == ip("198.18.1.101"))
        // Once the quarantine ends and nothing else is free, it is reclaimed at allocation.
        var full = [declined]
        for a in ip("198.18.1.101")...Fixture.rack1.range.upperBound {
            full.append(DHCPLease(address: a, mac: "52:54:00:00:01:\(a % 100)", state: .bound, expiresAt: Self.now + 7200))
        }
        #expect(Self.offered(full, mac: 2, now: Self.now + 3599) == nil)
        #expect(Self.offered(full, mac: 2, now: Self.now + 3600) == address)
    }

    @Test("The sweep deletes lapsed offers, ended quarantines and bound leases past their retention, and nothing else")
    func sweep() async throws {
        try await DHCPServerStoreTests.withStore { store in
            let leases = [
                DHCPLease(address: ip("198.18.1.100"), mac: Self.mac(1), state: .offered, expiresAt: Self.now - 1),
                DHCPLease(address: ip("198.18.1.101"), mac: Self.mac(2), state: .declined, expiresAt: Self.now),
                DHCPLease(address: ip("198.18.1.102"), mac: Self.mac(3), state: .bound, expiresAt: Self.now - 3600),
                DHCPLease(address: ip("198.18.1.103"), mac: Self.mac(4), state: .bound, expiresAt: Self.now - 3599),
                DHCPLease(address: ip("198.18.1.104"), mac: Self.mac(5), state: .bound, expiresAt: Self.now + 10),
                DHCPLease(address: ip("198.18.1.105"), mac: Self.mac(6), state: .declined, expiresAt: Self.now + 10),
                DHCPLease(address: ip("198.18.1.106"), mac: Self.mac(7), state: .offered, expiresAt: Self.now + 10),
            ]
            for l in leases { _ = try await store.put(LeaseRecord.key(l.address), LeaseRecord.encode(l)) }
            let server = DHCPServerStoreTests.server(store)
            try await server.start()
            defer { server.stop() }
            let deleted = await server.reclaimExpired(now: Self.now, retentionSeconds: 3600, batchMax: 2)
            #expect(deleted == 3)
            #expect(server.counters.reclaimed == 3)
            let left = try await LeaseRecord.list(in: store).map(\.address)
            #expect(left == ["198.18.1.103", "198.18.1.104", "198.18.1.105", "198.18.1.106"].map(ip))
            #expect(await server.reclaimExpired(now: Self.now, retentionSeconds: 3600) == 0)
        }
    }

    @Test("A lease renewed after the sweeping server read it is not deleted (compare on its revision)")
    func sweepLosesToRenewal() async throws {
        try await DHCPServerStoreTests.withStore { store in
            let old = DHCPLease(address: ip("198.18.1.100"), mac: Self.mac(1), state: .offered, expiresAt: Self.now - 1)
            let other = DHCPLease(address: ip("198.18.1.101"), mac: Self.mac(2), state: .offered, expiresAt: Self.now - 1)
            for l in [old, other] { _ = try await store.put(LeaseRecord.key(l.address), LeaseRecord.encode(l)) }
            let server = DHCPServerStoreTests.server(store)
            try await server.start()
            server.stop()  // its view no longer follows the store: it will decide from the old lease
            var renewed = old
            renewed.state = .bound
            renewed.expiresAt = Self.now + 3600
            _ = try await store.put(LeaseRecord.key(old.address), LeaseRecord.encode(renewed))
            // One batch holds both: its compare fails, and the retry lease by lease deletes only the other.
            #expect(await server.reclaimExpired(now: Self.now, retentionSeconds: 0) == 1)
            #expect(try await LeaseRecord.list(in: store) == [renewed])
        }
    }
}

@Suite("DHCP renewals from the view")
struct DHCPRenewFromViewTests {
    static let now: UInt64 = 1_000_000

    static func renew(expiresAt: UInt64, mac: UInt8 = 1, fromView: Bool = true) -> DHCPDecision {
        let address = ip("198.18.1.100")
        let lease = DHCPLease(address: address, mac: "52:54:00:00:00:01", state: .bound, expiresAt: expiresAt)
        var c = Fixture.context(leases: [lease], now: now)
        c.renewFromView = fromView
        let m = Fixture.request(.request, mac: [0x52, 0x54, 0, 0, 0, mac], ciaddr: address, giaddr: ip("198.18.1.1"))
        return DHCPResponder.respond(to: m, context: c)
    }

    @Test("A renewal with more than half of the lease left is ACKed for the time left, with no store change")
    func fresh() {
        guard case .reply(let ack, _, nil) = Self.renew(expiresAt: Self.now + 3000) else {
            Issue.record("expected an ACK without a change")
            return
        }
        #expect(ack.messageType == .ack && ack.yiaddr == ip("198.18.1.100"))
        #expect(ack.option(.leaseTime) == Fixture.bytes(3000))
        #expect(ack.option(.renewalTime) == Fixture.bytes(1500))
    }

    @Test("A renewal with half of the lease or less left, or with the option off, extends the lease in the store")
    func committed() {
        for decision in [Self.renew(expiresAt: Self.now + 1800), Self.renew(expiresAt: Self.now + 3000, fromView: false)] {
            guard case .reply(let ack, _, .put(let lease, _)?) = decision else {
                Issue.record("expected a committed ACK")
                continue
            }
            #expect(ack.option(.leaseTime) == Fixture.bytes(3600))
            #expect(lease.expiresAt == Self.now + 3600 && lease.state == .bound)
        }
    }

    @Test("Another client's renewal of the address is refused whatever is left of the lease")
    func otherClient() {
        guard case .reply(let nak, _, nil) = Self.renew(expiresAt: Self.now + 3000, mac: 2) else {
            Issue.record("expected a NAK")
            return
        }
        #expect(nak.messageType == .nak)
    }
}

@Suite("Lease table")
struct LeaseTableTests {
    @Test("The lowest unleased address of a range matches a scan, over random inserts and removals")
    func lowestUnleased() {
        var generator = SystemRandomNumberGenerator()
        var table = LeaseTable()
        var present = Set<UInt32>()
        let base: UInt32 = 1000
        for step in 0..<3000 {
            let a = base + UInt32.random(in: 0..<64, using: &generator)
            if present.contains(a) && Bool.random(using: &generator) {
                table.remove(a)
                present.remove(a)
            } else {
                table.upsert(DHCPLease(address: a, mac: "m\(step)", state: .bound, expiresAt: 1))
                present.insert(a)
            }
            let lower = base + UInt32.random(in: 0..<64, using: &generator)
            let range = lower...(lower + UInt32.random(in: 0..<16, using: &generator))
            #expect(table.lowestUnleased(in: range) == range.first { !present.contains($0) }, "\(range) \(present.sorted())")
        }
        #expect(table.all.map(\.address) == present.sorted())
        let top = LeaseTable([DHCPLease(address: .max, mac: "m", state: .bound, expiresAt: 1)])
        #expect(top.lowestUnleased(in: UInt32.max...UInt32.max) == nil)
    }
}
