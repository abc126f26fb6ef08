import KibanNetboot
import Testing

/// Addresses of the captured topology: rack 1 is 198.18.1.0/24 behind relay 198.18.1.1.
func ip(_ s: String) -> UInt32 {
    s.split(separator: ".").reduce(0) { $0 << 8 | (UInt32($1) ?? 0) }
}

struct Fixture {
    static let rack1 = LeasePool(range: ip("198.18.1.100")...ip("198.18.1.110"), prefixLength: 24, router: ip("198.18.1.1"))

    static func context(server: String = "198.18.0.11", leases: [DHCPLease] = [], now: UInt64 = 1_000_000) -> DHCPContext {
        var c = DHCPContext(
            serverAddress: ip(server), interfaceAddress: ip("198.18.1.1"),
            leases: LeaseTable(leases), now: now
        ) { address in
            rack1.subnetContains(address) ? rack1 : nil
        }
        c.boot = BootFiles(httpBase: "http://198.18.0.11:10080")
        c.dnsServers = [ip("198.18.0.53")]
        return c
    }

    /// A request built field by field, as a client would send it directly on the rack's link.
    static func request(
        _ type: DHCPMessageType, mac: [UInt8] = [0x52, 0x54, 0, 0, 0, 1], ciaddr: UInt32 = 0,
        requested: UInt32? = nil, server: UInt32? = nil, giaddr: UInt32 = 0,
        extra: [(DHCPOptionCode, [UInt8])] = []
    ) -> DHCPMessage {
        var m = DHCPMessage(op: 1, xid: 0x1234_5678, chaddr: mac)
        m.ciaddr = ciaddr
        m.giaddr = giaddr
        m.setOption(.messageType, [type.rawValue])
        if let requested { m.setOption(.requestedIPAddress, bytes(requested)) }
        if let server { m.setOption(.serverIdentifier, bytes(server)) }
        for (code, data) in extra { m.setOption(code, data) }
        return m
    }

    static func bytes(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> UInt32($0)) } }
}

@Suite("DHCP decisions")
struct DHCPResponderTests {
    @Test("A relayed DISCOVER from dhclient gets an OFFER from the rack's pool, sent to the relay with option 82 echoed last")
    func relayedDiscover() throws {
        let discover = try DHCPMessage(bytes: Vectors.bytes("dhclient-relayed-discover"))
        guard case .reply(let offer, let to, let change) = DHCPResponder.respond(to: discover, context: Fixture.context()) else {
            Issue.record("no offer")
            return
        }
        #expect(to == .relay(ip("198.18.1.1")))
        #expect(offer.yiaddr == ip("198.18.1.100"))
        #expect(offer.messageType == .offer)
        #expect(offer.xid == discover.xid && offer.giaddr == discover.giaddr)
        #expect(offer.option(.relayAgentInformation) == discover.option(.relayAgentInformation))
        let last = offer.options.last { if case .option = $0 { return true } else { return false } }
        #expect(last == .option(code: 82, data: discover.option(.relayAgentInformation) ?? []))
        #expect(offer.option(.subnetMask) == [255, 255, 255, 0])
        #expect(offer.option(.router) == Fixture.bytes(ip("198.18.1.1")))
        #expect(offer.serverIdentifier == ip("198.18.0.11"))
        #expect(offer.option(.leaseTime) == Fixture.bytes(3600))
        #expect(try DHCPMessage(bytes: offer.bytes) == offer)
        guard case .put(let lease, nil)? = change else {
            Issue.record("the offer does not hold its address")
            return
        }
        #expect(lease.state == .offered && lease.address == offer.yiaddr)
    }

    @Test("A client gets its previous address back")
    func previousAddress() {
        let mac = "52:54:00:00:00:01"
        let c = Fixture.context(leases: [DHCPLease(address: ip("198.18.1.105"), mac: mac, state: .bound, expiresAt: 999_999)])
        guard case .reply(let offer, _, _) = DHCPResponder.respond(to: Fixture.request(.discover), context: c) else {
            Issue.record("no offer")
            return
        }
        #expect(offer.yiaddr == ip("198.18.1.105"))
    }

    @Test("Two servers with the same view offer the same address to the same DISCOVER")
    func serversAgree() {
        let a = DHCPResponder.respond(to: Fixture.request(.discover), context: Fixture.context(server: "198.18.0.11"))
        let b = DHCPResponder.respond(to: Fixture.request(.discover), context: Fixture.context(server: "198.18.0.12"))
        guard case .reply(let x, _, _) = a, case .reply(let y, _, _) = b else {
            Issue.record("no offers")
            return
        }
        #expect(x.yiaddr == y.yiaddr)
    }

    @Test("An address leased or declined is never offered to another client; a full pool drops")
    func takenAddresses() {
        let now: UInt64 = 1_000_000
        var leases = (100...109).map { DHCPLease(address: ip("198.18.1.\($0)"), mac: "aa:00:00:00:00:\($0)", state: .bound, expiresAt: now + 60) }
        leases.append(DHCPLease(address: ip("198.18.1.110"), mac: "bb:00:00:00:00:01", state: .declined, expiresAt: now + 60))
        let full = DHCPResponder.respond(to: Fixture.request(.discover), context: Fixture.context(leases: leases, now: now))
        guard case .drop(let why) = full else {
            Issue.record("offered from a full pool: \(full)")
            return
        }
        #expect(why.contains("exhausted"))
        // Once the leases expire, the addresses are free again.
        let later = DHCPResponder.respond(to: Fixture.request(.discover), context: Fixture.context(leases: leases, now: now + 61))
        guard case .reply(let offer, _, _) = later else {
            Issue.record("expired leases were not reclaimed")
            return
        }
        #expect(offer.yiaddr == ip("198.18.1.100"))
    }

    @Test("REQUEST for our offer is ACKed with a bound lease; for another server's, ignored")
    func selecting() throws {
        let request = try DHCPMessage(bytes: Vectors.bytes("dhclient-relayed-request"))
        let wanted = try #require(request.requestedIPAddress)
        let pool = LeasePool(range: ip("198.18.1.100")...ip("198.18.1.200"), prefixLength: 24, router: ip("198.18.1.1"))
        let offered = DHCPLease(address: wanted, mac: macString(request.hardwareAddress), state: .offered, expiresAt: 1_000_030)
        var c = Fixture.context(server: "198.18.0.11", leases: [offered])
        c.pool = { pool.subnetContains($0) ? pool : nil }
        guard case .reply(let ack, .relay, .put(let lease, _)?) = DHCPResponder.respond(to: request, context: c) else {
            Issue.record("no ACK")
            return
        }
        #expect(ack.messageType == .ack && ack.yiaddr == wanted)
        #expect(lease.state == .bound && lease.expiresAt == c.now + 3600)
        c.serverAddress = ip("198.18.0.12")
        guard case .drop = DHCPResponder.respond(to: request, context: c) else {
            Issue.record("answered a REQUEST addressed to another server")
            return
        }
    }

    @Test(
        "A SELECTING REQUEST binds only an address offered to that client; otherwise it is NAKed (RFC 2131 §4.3.2)",
        arguments: [
            ("no lease", nil), ("offer lapsed", DHCPLease.State.offered), ("another client's offer", .offered),
            ("declined", .declined),
        ])
    func selectingNeedsOffer(label: String, state: DHCPLease.State?) throws {
        let address = ip("198.18.1.105")
        let mine = macString([0x52, 0x54, 0, 0, 0, 1])
        let lease = state.map { s in
            DHCPLease(
                address: address, mac: label == "another client's offer" ? macString([0x52, 0x54, 0, 0, 0, 2]) : mine,
                state: s, expiresAt: label == "offer lapsed" ? 999_999 : 1_000_030)
        }
        let c = Fixture.context(leases: lease.map { [$0] } ?? [])
        let request = Fixture.request(.request, requested: address, server: c.serverAddress, giaddr: ip("198.18.1.1"))
        guard case .reply(let nak, .relay, nil) = DHCPResponder.respond(to: request, context: c) else {
            Issue.record("\(label): bound without an offer")
            return
        }
        #expect(nak.messageType == .nak, "\(label)")
        // The same REQUEST with the client's offer in the view is ACKed.
        let offered = Fixture.context(leases: [DHCPLease(address: address, mac: mine, state: .offered, expiresAt: 1_000_030)])
        guard case .reply(let ack, _, .put(let bound, _)?) = DHCPResponder.respond(to: request, context: offered) else {
            Issue.record("offered address not bound")
            return
        }
        #expect(ack.messageType == .ack && bound.state == .bound)
    }

    @Test("INIT-REBOOT for an address on the wrong network is NAKed (RFC 2131 §4.3.2)")
    func nakWrongNetwork() {
        let r = DHCPResponder.respond(to: Fixture.request(.request, requested: ip("10.0.0.5")), context: Fixture.context())
        guard case .reply(let nak, .broadcast, nil) = r else {
            Issue.record("expected a broadcast NAK, got \(r)")
            return
        }
        #expect(nak.messageType == .nak)
        #expect(nak.yiaddr == 0)
    }

    @Test("Renewing someone else's address is NAKed; renewing one's own extends it by unicast")
    func renewals() {
        let now: UInt64 = 1_000_000
        let mine = DHCPLease(address: ip("198.18.1.101"), mac: "52:54:00:00:00:01", state: .bound, expiresAt: now + 100)
        let theirs = DHCPLease(address: ip("198.18.1.102"), mac: "52:54:00:00:00:02", state: .bound, expiresAt: now + 100)
        let c = Fixture.context(leases: [mine, theirs], now: now)
        guard
            case .reply(let ack, .unicast(let to), .put(let lease, _)?) =
                DHCPResponder.respond(to: Fixture.request(.request, ciaddr: mine.address), context: c)
        else {
            Issue.record("renewal not acknowledged")
            return
        }
        #expect(ack.messageType == .ack && to == mine.address && lease.expiresAt == now + 3600)
        guard case .reply(let nak, _, nil) = DHCPResponder.respond(to: Fixture.request(.request, ciaddr: theirs.address), context: c) else {
            Issue.record("renewal of another client's address not refused")
            return
        }
        #expect(nak.messageType == .nak)
    }

    @Test("DECLINE quarantines the address; RELEASE frees it")
    func declineAndRelease() {
        let now: UInt64 = 1_000_000
        let mine = DHCPLease(address: ip("198.18.1.101"), mac: "52:54:00:00:00:01", state: .bound, expiresAt: now + 100)
        let c = Fixture.context(leases: [mine], now: now)
        let declined = DHCPResponder.respond(to: Fixture.request(.decline, requested: mine.address, server: c.serverAddress), context: c)
        guard case .record(.put(let q, _)) = declined else {
            Issue.record("decline not recorded: \(declined)")
            return
        }
        #expect(q.state == .declined && q.expiresAt >= now + 3600)
        guard case .record(.remove(let gone)) = DHCPResponder.respond(to: Fixture.request(.release, ciaddr: mine.address), context: c) else {
            Issue.record("release not recorded")
            return
        }
        #expect(gone == mine)
    }

    @Test("INFORM gets configuration without a lease")
    func inform() {
        guard
            case .reply(let ack, .unicast, nil) =
                DHCPResponder.respond(to: Fixture.request(.inform, ciaddr: ip("198.18.1.50")), context: Fixture.context())
        else {
            Issue.record("no ACK to INFORM")
            return
        }
        #expect(ack.option(.leaseTime) == nil && ack.yiaddr == 0 && ack.option(.router) != nil)
    }

    @Test(
        "The boot file follows the client type",
        arguments: [
            (
                "uefi-http",
                [(DHCPOptionCode.vendorClassIdentifier, Array("HTTPClient:Arch:00016:UNDI:003001".utf8)), (.clientSystemArchitecture, [0, 0x10])],
                "http://198.18.0.11:10080/boot/ipxe.efi"
            ),
            ("ipxe", [(.userClass, Array("iPXE".utf8))], "http://198.18.0.11:10080/boot/ipxe"),
            ("pxe-bios", [(.vendorClassIdentifier, Array("PXEClient:Arch:00000:UNDI:002001".utf8)), (.clientSystemArchitecture, [0, 0])], "undionly.kpxe"),
            ("pxe-uefi-x64", [(.vendorClassIdentifier, Array("PXEClient:Arch:00007:UNDI:003000".utf8)), (.clientSystemArchitecture, [0, 7])], "ipxe.efi"),
            ("pxe-uefi-bc", [(.vendorClassIdentifier, Array("PXEClient:Arch:00009:UNDI:003000".utf8)), (.clientSystemArchitecture, [0, 9])], "ipxe.efi"),
            (
                "pxe-arm64", [(.vendorClassIdentifier, Array("PXEClient:Arch:00011:UNDI:003000".utf8)), (.clientSystemArchitecture, [0, 0x0B])],
                "ipxe-arm64.efi"
            ),
            ("plain", [], ""),
        ] as [(String, [(DHCPOptionCode, [UInt8])], String)])
    func bootFile(name: String, options: [(DHCPOptionCode, [UInt8])], file: String) {
        guard case .reply(let offer, _, _) = DHCPResponder.respond(to: Fixture.request(.discover, extra: options), context: Fixture.context()) else {
            Issue.record("\(name): no offer")
            return
        }
        #expect(String(decoding: offer.file.prefix { $0 != 0 }, as: UTF8.self) == file, "\(name)")
        if name == "uefi-http" { #expect(offer.vendorClassIdentifier == "HTTPClient") }
        if name.hasPrefix("pxe-") {
            // EDK2 takes a PXEClient offer without option 43 for a BINL offer and asks port
            // 4011 for the file; a plain offer with a file and siaddr is booted from directly.
            #expect(offer.vendorClassIdentifier == nil, "\(name)")
            #expect(offer.siaddr == offer.serverIdentifier && offer.siaddr != 0, "\(name)")
        }
    }
}
