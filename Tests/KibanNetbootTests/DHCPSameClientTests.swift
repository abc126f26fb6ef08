import Foundation
import KibanStore
import Synchronization
import Testing

@testable import KibanNetboot

/// A request of a client whose own lease change is being committed waits for that commit
/// instead of being dropped (`address_busy`), and is answered only if it wins.
@Suite("DHCP requests behind the same client's commit")
struct DHCPSameClientTests {
    static let relay = ip("198.18.1.1")

    @Test("A second DISCOVER of a client whose offer is being committed is answered once that commit wins; other clients are not held up")
    func secondDiscoverWaits() async throws {
        try await DHCPServerStoreTests.withStore { store in
            let s = DHCPServerStoreTests.server(store)
            try await s.start()
            defer { s.stop() }
            let mac: [UInt8] = [0x52, 0x54, 0, 0, 0, 9]
            let first = Fixture.request(.discover, mac: mac, giaddr: Self.relay)
            guard case .commit(let change, let revision, _?) = DHCPServerStoreTests.decide(s, first) else {
                Issue.record("the first DISCOVER is not committed")
                return
            }
            var second = Fixture.request(.discover, mac: mac, giaddr: Self.relay)
            second.xid = first.xid &+ 1
            guard case .afterCommit(let address, let offer, _) = DHCPServerStoreTests.decide(s, second) else {
                Issue.record("the second DISCOVER does not wait for the first one's commit")
                return
            }
            #expect(address == change.address && offer.yiaddr == change.address && offer.xid == second.xid)
            guard
                case .commit(let other, _, _) = DHCPServerStoreTests.decide(s, Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, 10], giaddr: Self.relay))
            else {
                Issue.record("another client's DISCOVER is not committed")
                return
            }
            #expect(other.address != address)

            let outcomes = Mutex<[Bool]>([])
            #expect(s.view.withLock { $0.wait(for: address) { won in outcomes.withLock { $0.append(won) } } })
            #expect(await s.commit(change, revision: revision, first))
            // The waiter is told right after the committing request, maybe on another thread.
            let deadline = ContinuousClock.now + .seconds(60)
            while outcomes.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(outcomes.withLock { $0 } == [true])
            #expect(!s.view.withLock { $0.wait(for: address) { _ in } }, "nothing is in flight for the address any more")
        }
    }

    @Test("An ACK that would promise more than the lease being committed does not wait for it")
    func longerAckDoesNotWait() {
        var table = LeaseTable()
        let held = DHCPLease(address: 7, mac: "m1", state: .bound, expiresAt: 1_000)
        table.upsert(held)
        let same = DHCPLease(address: 7, mac: "m1", state: .bound, expiresAt: 1_000)
        let longer = DHCPLease(address: 7, mac: "m1", state: .bound, expiresAt: 1_001)
        let otherClient = DHCPLease(address: 7, mac: "m2", state: .offered, expiresAt: 900)
        let offer = DHCPLease(address: 7, mac: "m1", state: .offered, expiresAt: 900)
        #expect(DHCPServer.coveredByPending(.put(same, previous: nil), in: table))
        #expect(DHCPServer.coveredByPending(.put(offer, previous: nil), in: table))
        #expect(!DHCPServer.coveredByPending(.put(longer, previous: nil), in: table))
        #expect(!DHCPServer.coveredByPending(.put(otherClient, previous: nil), in: table))
        #expect(!DHCPServer.coveredByPending(.remove(held), in: table))
    }

    @Test("Waiters learn a lost commit, and at most a few wait for one address")
    func waitersBoundedAndToldOfLoss() {
        var v = LeaseView()
        let lease = DHCPLease(address: 7, mac: "m1", state: .offered, expiresAt: 100)
        #expect(!v.wait(for: 7) { _ in }, "no commit in flight")
        #expect(v.reserve(.put(lease, previous: nil)) == 0)
        let outcomes = Mutex<[Bool]>([])
        for _ in 0..<LeaseView.waitersPerAddressMax {
            #expect(v.wait(for: 7) { won in outcomes.withLock { $0.append(won) } })
        }
        #expect(!v.wait(for: 7) { _ in }, "past the bound")
        for waiter in v.settle(7, committedAt: nil) { waiter(false) }
        #expect(outcomes.withLock { $0 } == Array(repeating: false, count: LeaseView.waitersPerAddressMax))
        #expect(v.table.lease(at: 7) == nil)
    }
}
