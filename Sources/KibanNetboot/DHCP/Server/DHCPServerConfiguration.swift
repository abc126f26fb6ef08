/// What a ``DHCPServer`` serves. The server's own address is not here: each reply uses the
/// address the request arrived on (option 54, siaddr), so one server can serve several subnets.
public struct DHCPServerConfiguration: Sendable {
    /// The lease pool for a relay's giaddr or the receiving interface's address (from IPAM;
    /// KibanNetboot does not import KibanInventory, so the wiring passes a closure).
    public var pool: @Sendable (UInt32) -> LeasePool?
    /// Lease length for bound addresses (option 51).
    public var leaseSeconds: UInt32 = 3600
    /// How long an offer holds its address.
    public var offerHoldSeconds: UInt32 = 30
    /// DNS servers (option 6).
    public var dnsServers: [UInt32] = []
    /// Boot files by client type; nil serves plain DHCP.
    public var boot: BootFiles?
    /// Unix seconds now; a parameter so that tests can move time.
    public var now: @Sendable () -> UInt64 = { unixSeconds() }
    /// Where an OFFER holds its address: `true` (default) writes the hold to the store, so other
    /// boot servers see it and offer other clients other addresses; `false` keeps it in this
    /// server's view only, halving store writes per DORA. Either way the ACK is a
    /// compare-and-swap, so an address is never bound to two clients; with `false`, two servers
    /// may offer one address to two clients and the second REQUEST goes unanswered (the client
    /// retries, then starts over with a DISCOVER).
    public var offersInStore = true
    /// Commits in flight beyond this are dropped (`address_busy`): a bound on memory and on the
    /// store's queue during a storm; clients retry.
    public var commitsInFlightMax = 4096

    /// Creates a configuration.
    public init(pool: @escaping @Sendable (UInt32) -> LeasePool?) {
        self.pool = pool
    }

    /// The responder's context for a request that arrived on `local`.
    func context(local: UInt32, leases: LeaseTable, now: UInt64) -> DHCPContext {
        var c = DHCPContext(serverAddress: local, interfaceAddress: local, leases: leases, now: now, pool: pool)
        c.leaseSeconds = leaseSeconds
        c.offerHoldSeconds = offerHoldSeconds
        c.dnsServers = dnsServers
        c.boot = boot
        return c
    }
}
