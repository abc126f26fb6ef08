extension DHCPResponder {
    /// RELEASE (RFC 2131 §4.3.4): the client gives its address back (ciaddr).
    static func release(_ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        let mac = macString(m.hardwareAddress)
        guard let l = c.leases.lease(at: m.ciaddr), l.mac == mac, l.state == .bound else {
            return .drop(reason: "RELEASE of \(dottedQuad(m.ciaddr)) that is not the client's")
        }
        return .record(.remove(l))
    }
}
