/// What to do with a request. The shell commits ``leaseChange`` (a store compare-and-swap)
/// **before** it sends the reply; if the commit loses a race, it drops the reply.
public enum DHCPDecision: Sendable, Equatable {
    /// Send `message` to `destination`, after committing `leaseChange` if there is one.
    case reply(DHCPMessage, to: ReplyDestination, leaseChange: LeaseChange?)
    /// Commit `leaseChange`; no reply (DECLINE, RELEASE).
    case record(LeaseChange)
    /// Nothing to do; the reason goes to counters and debug logs.
    case drop(reason: String)
}

/// Where a reply goes (RFC 2131 §4.1).
public enum ReplyDestination: Sendable, Equatable {
    /// To the relay at giaddr, server port 67.
    case relay(UInt32)
    /// To a client that has an address, port 68.
    case unicast(UInt32)
    /// To the link's broadcast address, port 68 (broadcast flag set, or no address yet).
    case broadcast
}

/// A change to the shared lease table.
public enum LeaseChange: Sendable, Equatable {
    /// Create or replace the lease of an address; `previous` is what the server saw (the
    /// compare of the compare-and-swap: nil means "no lease there").
    case put(DHCPLease, previous: DHCPLease?)
    /// Remove the lease of an address if it still is `previous`.
    case remove(DHCPLease)
}
