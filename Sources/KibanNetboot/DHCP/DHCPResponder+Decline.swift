extension DHCPResponder {
    /// DECLINE (RFC 2131 §4.3.3): the client found the address in use. Nobody gets it until the
    /// lease it had would have expired (at least one lease length from now).
    static func decline(_ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        guard m.serverIdentifier == c.serverAddress else { return .drop(reason: "DECLINE addressed to another server") }
        guard let address = m.requestedIPAddress else { return .drop(reason: "DECLINE without an address") }
        let mac = macString(m.hardwareAddress)
        let previous = c.leases.lease(at: address)
        guard previous?.mac == mac else { return .drop(reason: "DECLINE of \(dottedQuad(address)) that is not the client's") }
        let until = max(previous?.expiresAt ?? 0, c.now + UInt64(c.leaseSeconds))
        return .record(.put(DHCPLease(address: address, mac: mac, state: .declined, expiresAt: until), previous: previous))
    }
}
