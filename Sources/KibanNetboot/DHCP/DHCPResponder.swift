/// The DHCP server's decisions, as a pure function of a request and a context
/// (RFC 2131 §4.3). One file per message type: `DHCPResponder+Discover.swift`, ….
public enum DHCPResponder {
    /// Decides what to do with a request.
    public static func respond(to request: DHCPMessage, context: DHCPContext) -> DHCPDecision {
        guard request.op == 1 else { return .drop(reason: "not a request (op \(request.op))") }
        guard request.htype == 1, request.hlen == 6 else {
            return .drop(reason: "hardware type \(request.htype)/\(request.hlen) is not Ethernet")
        }
        guard let type = request.messageType else { return .drop(reason: "no message type: BOOTP is not served") }
        switch type {
        case .discover: return discover(request, context)
        case .request: return self.request(request, context)
        case .decline: return decline(request, context)
        case .release: return release(request, context)
        case .inform: return inform(request, context)
        case .offer, .ack, .nak: return .drop(reason: "\(type) is a server message")
        }
    }

    /// The pool that serves a request: by giaddr when relayed; else by ciaddr when the client
    /// has an address of a subnet we serve (RENEWING, §4.3.2: the client unicasts to the server
    /// id, routed from its rack, so the receiving interface says nothing about its subnet); else
    /// by the receiving interface.
    static func pool(for m: DHCPMessage, _ c: DHCPContext) -> LeasePool? {
        if m.giaddr != 0 { return c.pool(m.giaddr) }
        if m.ciaddr != 0, let p = c.pool(m.ciaddr), p.subnetContains(m.ciaddr) { return p }
        return c.pool(c.interfaceAddress)
    }

    /// Where a reply to `m` goes (RFC 2131 §4.1): the relay, else the client's address, else
    /// broadcast (clients without an address cannot be reached by unicast without ARP entries).
    static func destination(for m: DHCPMessage, nak: Bool = false) -> ReplyDestination {
        if m.giaddr != 0 { return .relay(m.giaddr) }
        if !nak && m.ciaddr != 0 { return .unicast(m.ciaddr) }
        return .broadcast
    }

    /// A reply skeleton: same xid, chaddr, flags and giaddr; server id; option 82 echoed.
    static func reply(to m: DHCPMessage, type: DHCPMessageType, _ c: DHCPContext) -> DHCPMessage {
        var r = DHCPMessage(op: 2, xid: m.xid, chaddr: m.chaddr)
        r.htype = m.htype
        r.hlen = m.hlen
        r.flags = m.flags
        r.giaddr = m.giaddr
        r.setOption(.messageType, [type.rawValue])
        r.setOption(.serverIdentifier, bytes(c.serverAddress))
        if let agent = m.option(.relayAgentInformation) {
            // RFC 3046 §2.2: the server copies option 82 into its reply, last.
            r.setOption(.relayAgentInformation, agent)
        }
        return r
    }

    /// Adds the lease and subnet options to an OFFER or ACK.
    static func addLeaseOptions(_ r: inout DHCPMessage, pool: LeasePool, _ c: DHCPContext, withTimes: Bool) {
        r.setOption(.subnetMask, bytes(pool.prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - pool.prefixLength)))
        r.setOption(.router, bytes(pool.router))
        if !c.dnsServers.isEmpty { r.setOption(.domainNameServer, c.dnsServers.flatMap(bytes)) }
        if withTimes {
            r.setOption(.leaseTime, bytes(c.leaseSeconds))
            r.setOption(.renewalTime, bytes(c.leaseSeconds / 2))
            r.setOption(.rebindingTime, bytes(c.leaseSeconds / 8 * 7))
        }
        for (code, value) in c.extraOptions where r.option(code) == nil { r.setOption(code: code, value) }
        moveRelayAgentLast(&r)
    }

    /// RFC 3046 §2.1: the relay agent option comes last, just before the end option.
    static func moveRelayAgentLast(_ r: inout DHCPMessage) {
        guard let agent = r.option(.relayAgentInformation) else { return }
        r.setOption(.relayAgentInformation, nil)
        r.setOption(.relayAgentInformation, agent)
    }

    static func nak(_ m: DHCPMessage, _ c: DHCPContext, why: String) -> DHCPDecision {
        var r = reply(to: m, type: .nak, c)
        r.setOption(.message, Array(why.utf8.prefix(255)))
        moveRelayAgentLast(&r)
        if m.giaddr != 0 { r.flags |= 0x8000 }  // §4.3.2: a relay must broadcast a NAK
        return .reply(r, to: destination(for: m, nak: true), leaseChange: nil)
    }

    static func bytes(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> UInt32($0)) } }
}
