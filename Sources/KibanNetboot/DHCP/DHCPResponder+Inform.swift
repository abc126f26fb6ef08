extension DHCPResponder {
    /// INFORM → ACK without a lease (RFC 2131 §4.3.5): configuration for a client that already
    /// has its address (ciaddr); no lease time, no yiaddr.
    static func inform(_ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        guard m.ciaddr != 0 else { return .drop(reason: "INFORM without ciaddr") }
        guard let pool = pool(for: m, c) ?? c.pool(m.ciaddr) else {
            return .drop(reason: "no subnet for \(dottedQuad(m.ciaddr))")
        }
        var r = reply(to: m, type: .ack, c)
        r.ciaddr = m.ciaddr
        addBootFile(&r, for: m, c)
        addLeaseOptions(&r, pool: pool, c, withTimes: false)
        return .reply(r, to: destination(for: m), leaseChange: nil)
    }
}
