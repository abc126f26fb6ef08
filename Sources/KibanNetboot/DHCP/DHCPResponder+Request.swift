extension DHCPResponder {
    /// REQUEST → ACK or NAK (RFC 2131 §4.3.2), in its three forms:
    /// - SELECTING (server id present): ours → bind the address if this client holds an offer
    ///   of it (or its lease), else NAK; another's → silence;
    /// - INIT-REBOOT (requested address, no ciaddr): wrong subnet or someone else's → NAK; our
    ///   record of this client → ACK; no record → silence;
    /// - RENEWING/REBINDING (ciaddr): this client's lease → extend; someone else's → NAK.
    static func request(_ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        guard let pool = pool(for: m, c) else {
            return .drop(reason: "no lease pool for \(dottedQuad(m.giaddr != 0 ? m.giaddr : c.interfaceAddress))")
        }
        let mac = macString(m.hardwareAddress)
        if let server = m.serverIdentifier {
            guard server == c.serverAddress else { return .drop(reason: "the client chose server \(dottedQuad(server))") }
            guard let wanted = m.requestedIPAddress ?? (m.ciaddr != 0 ? m.ciaddr : nil) else {
                return .drop(reason: "SELECTING request without a requested address")
            }
            guard holdsOffer(wanted, mac: mac, c) else {
                return nak(m, c, why: "no offer of \(dottedQuad(wanted)) to this client; start again with DISCOVER")
            }
            return bind(wanted, mac: mac, pool: pool, m, c)
        }
        if let wanted = m.requestedIPAddress, m.ciaddr == 0 {
            guard pool.subnetContains(wanted) else { return nak(m, c, why: "wrong network") }
            guard let l = c.leases.lease(at: wanted), l.expiresAt > c.now else {
                return .drop(reason: "INIT-REBOOT for \(dottedQuad(wanted)) with no record")
            }
            guard l.mac == mac else { return nak(m, c, why: "address belongs to another client") }
            return bind(wanted, mac: mac, pool: pool, m, c)
        }
        guard m.ciaddr != 0 else { return .drop(reason: "REQUEST with neither server id, requested address nor ciaddr") }
        if let l = c.leases.lease(at: m.ciaddr), l.expiresAt > c.now, l.mac != mac {
            return nak(m, c, why: "address belongs to another client")
        }
        guard c.leases.lease(at: m.ciaddr)?.mac == mac else {
            return .drop(reason: "renewal of \(dottedQuad(m.ciaddr)) with no record")
        }
        return bind(m.ciaddr, mac: mac, pool: pool, m, c)
    }

    /// True when `mac` holds an unexpired offer of `address` (or its bound lease, which a
    /// DISCOVER of a bound client offers without a new hold). A SELECTING REQUEST binds only
    /// then: without this, one host reaching port 67 could bind every address of a rack with
    /// REQUESTs alone, skipping the DISCOVERs that the offer limits count. The answer otherwise
    /// is a NAK (RFC 2131 §4.3.2: a selected server that cannot satisfy the REQUEST SHOULD NAK),
    /// so that a client whose offer lapsed starts again at once instead of after its retries.
    static func holdsOffer(_ address: UInt32, mac: String, _ c: DHCPContext) -> Bool {
        guard let held = c.leases.lease(at: address) else { return false }
        return held.mac == mac && held.expiresAt > c.now && (held.state == .offered || held.state == .bound)
    }

    /// ACK `address` for `mac` for a full lease, or NAK when it is not theirs to have. With
    /// ``DHCPContext/renewFromView``, a client's own bound lease with more than half of it left
    /// is ACKed for the time left, unchanged (no store write).
    static func bind(_ address: UInt32, mac: String, pool: LeasePool, _ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        guard pool.range.contains(address) else { return nak(m, c, why: "address not in this subnet's pool") }
        guard !c.leases.isTaken(address, except: mac, now: c.now) else {
            return nak(m, c, why: "address belongs to another client")
        }
        var r = reply(to: m, type: .ack, c)
        r.yiaddr = address
        r.ciaddr = m.ciaddr
        r.siaddr = c.serverAddress
        addBootFile(&r, for: m, c)
        let previous = c.leases.lease(at: address)
        if c.renewFromView, let p = previous, p.mac == mac, p.state == .bound, p.expiresAt > c.now,
            p.expiresAt - c.now > UInt64(c.leaseSeconds / 2)
        {
            var left = c
            left.leaseSeconds = UInt32(min(p.expiresAt - c.now, UInt64(UInt32.max)))
            addLeaseOptions(&r, pool: pool, left, withTimes: true)
            return .reply(r, to: destination(for: m), leaseChange: nil)
        }
        addLeaseOptions(&r, pool: pool, c, withTimes: true)
        let sent = m.option(.hostName).map { String(decoding: $0.prefix(63), as: UTF8.self) }
        let hostname = sent ?? (previous?.mac == mac ? previous?.hostname : nil)
        let lease = DHCPLease(
            address: address, mac: mac, state: .bound, expiresAt: c.now + UInt64(c.leaseSeconds),
            hostname: hostname)
        return .reply(r, to: destination(for: m), leaseChange: .put(lease, previous: previous))
    }
}
