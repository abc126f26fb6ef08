import Foundation
import Glibc
import KibanIO
import KibanStore
import Logging
import Synchronization
import Testing

@testable import KibanNetboot

/// Who may draw offers: the relay list and the offer limits (docs/dhcp.md, "Who may ask").
@Suite("DHCP relay list and offer limits", .serialized)
struct DHCPAdmissionTests {
    static let relay = ip("198.18.1.1")

    static func limits(relayBurst: UInt32 = 1000, clientBurst: UInt32 = 8) -> OfferLimits {
        var l = OfferLimits()
        l.relayOfferBurst = relayBurst
        l.clientOfferBurst = clientBurst
        return l
    }

    static func discover(_ mac: UInt8, giaddr: UInt32 = relay) -> DHCPMessage {
        Fixture.request(.discover, mac: [0x52, 0x54, 0, 0, 0, mac], giaddr: giaddr)
    }

    @Test("A relay not in the list is refused; any relay when the list is empty; direct requests always")
    func relayList() {
        var limiter = OfferLimiter()
        let listed: Set<UInt32> = [Self.relay]
        #expect(DHCPAdmission.check(Self.discover(1, giaddr: ip("198.18.9.1")), relays: listed, limiter: &limiter, nowMilliseconds: 0) == .relayNotAllowed)
        let request = Fixture.request(.request, requested: ip("198.18.1.100"), server: ip("198.18.0.11"), giaddr: ip("198.18.9.1"))
        #expect(DHCPAdmission.check(request, relays: listed, limiter: &limiter, nowMilliseconds: 0) == .relayNotAllowed)
        #expect(DHCPAdmission.check(Self.discover(1), relays: listed, limiter: &limiter, nowMilliseconds: 0) == nil)
        #expect(DHCPAdmission.check(Self.discover(2, giaddr: 0), relays: listed, limiter: &limiter, nowMilliseconds: 0) == nil)
        #expect(DHCPAdmission.check(Self.discover(3, giaddr: ip("198.18.9.1")), relays: [], limiter: &limiter, nowMilliseconds: 0) == nil)
    }

    @Test("A client's burst is spent, then one offer per its interval; REQUESTs take no tokens")
    func clientBucket() {
        var limits = Self.limits(clientBurst: 3)
        limits.clientOffersPerMinute = 6  // one every 10 s
        var limiter = OfferLimiter(limits)
        let admitted = (0..<5).map { _ in DHCPAdmission.check(Self.discover(1), relays: [], limiter: &limiter, nowMilliseconds: 1000) }
        #expect(admitted == [nil, nil, nil, .clientRateLimited, .clientRateLimited])
        let request = Fixture.request(.request, mac: [0x52, 0x54, 0, 0, 0, 1], requested: ip("198.18.1.100"), server: ip("198.18.0.11"), giaddr: Self.relay)
        #expect(DHCPAdmission.check(request, relays: [], limiter: &limiter, nowMilliseconds: 1000) == nil)
        #expect(DHCPAdmission.check(Self.discover(2), relays: [], limiter: &limiter, nowMilliseconds: 1000) == nil)
        #expect(DHCPAdmission.check(Self.discover(1), relays: [], limiter: &limiter, nowMilliseconds: 10_999) == .clientRateLimited)
        #expect(DHCPAdmission.check(Self.discover(1), relays: [], limiter: &limiter, nowMilliseconds: 11_000) == nil)
        #expect(DHCPAdmission.check(Self.discover(1), relays: [], limiter: &limiter, nowMilliseconds: 11_000) == .clientRateLimited)
    }

    @Test("A relay's burst is spent across its clients; a refusal for the relay costs the client nothing")
    func relayBucket() {
        var limits = Self.limits(relayBurst: 4, clientBurst: 1)
        limits.relayOffersPerSecond = 10
        var limiter = OfferLimiter(limits)
        let first = (UInt8(1)...6).map { DHCPAdmission.check(Self.discover($0), relays: [], limiter: &limiter, nowMilliseconds: 0) }
        #expect(first == [nil, nil, nil, nil, .relayRateLimited, .relayRateLimited])
        // Client 5 was refused for its relay, so its own token is still there 100 ms later.
        #expect(DHCPAdmission.check(Self.discover(5), relays: [], limiter: &limiter, nowMilliseconds: 100) == nil)
        // Another relay has its own bucket.
        #expect(DHCPAdmission.check(Self.discover(7, giaddr: ip("198.18.2.1")), relays: [], limiter: &limiter, nowMilliseconds: 100) == nil)
    }

    @Test("Made-up hardware addresses do not grow the buckets past their bound")
    func boundedMemory() {
        var limits = OfferLimits()
        limits.bucketsMax = 1000
        var limiter = OfferLimiter(limits)
        for i in 0..<100_000 {
            let mac: [UInt8] = [0x02, 0, UInt8(truncatingIfNeeded: i >> 16), UInt8(truncatingIfNeeded: i >> 8), UInt8(truncatingIfNeeded: i), 1]
            _ = limiter.admit(relay: UInt32(i % 7), client: OfferLimiter.clientKey(mac), nowMilliseconds: UInt64(i))
        }
        #expect(limiter.bucketCount <= 2 * 1000)
    }

    @Test("The server drops and counts requests from unlisted relays and past the offer limits, on a real socket")
    func serverCounts() async throws {
        try await DHCPServerStoreTests.withStore { store in
            var c = DHCPServerConfiguration { address in Fixture.rack1.subnetContains(address) ? Fixture.rack1 : nil }
            c.relays = [Self.relay, ip("198.18.2.1")]
            c.offerLimits = Self.limits(relayBurst: 3, clientBurst: 2)
            c.milliseconds = { 0 }  // no refill during the test
            let server = DHCPServer(store: store, configuration: c, logger: DHCPServerStoreTests.logger)
            try await server.start()
            defer { server.stop() }
            let runtime = try IORuntime.start(
                configuration: IOConfiguration(rings: 1),
                udp: [server.service(at: .loopback(port: 0))], logger: DHCPServerStoreTests.logger)
            defer { runtime.shutdown() }
            let port = runtime.udpEndpoints[0].port
            let socket = try RawUDPSocket()
            socket.send(Self.discover(1, giaddr: ip("198.18.9.1")).bytes, to: port)  // not listed
            for _ in 0..<3 { socket.send(Self.discover(2, giaddr: ip("198.18.2.1")).bytes, to: port) }  // client burst 2
            for mac in UInt8(3)...4 { socket.send(Self.discover(mac, giaddr: ip("198.18.2.1")).bytes, to: port) }  // relay burst 3
            let deadline = ContinuousClock.now + .seconds(30)
            while server.counters.received < 6, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            let counters = server.counters
            #expect(counters.dropped(.relayNotAllowed) == 1)
            #expect(counters.dropped(.clientRateLimited) == 1)
            #expect(counters.dropped(.relayRateLimited) == 1)
        }
    }
}
