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
    /// How often the sweep of leases that are over runs (``DHCPServer/reclaimExpired(now:retentionSeconds:batchMax:)``;
    /// the daemon runs it on the Raft leader).
    public var sweepIntervalSeconds: UInt32 = 10
    /// How long the sweep keeps an expired bound lease for its client to come back.
    public var expiredRetentionSeconds: UInt32 = 3600
    /// DNS servers (option 6).
    public var dnsServers: [UInt32] = []
    /// Boot files by client type; nil serves plain DHCP (or boot files from ``bootHTTPPort``).
    public var boot: BootFiles?
    /// When set (and ``boot`` is nil), boot files are served from
    /// `http://<address the request arrived on>:<port>`: the address a relay or client reached
    /// is one it can route to, and it is the server identifier of the reply.
    public var bootHTTPPort: Int?
    /// Options added to every OFFER, ACK and INFORM reply (NTP, domain name, site options):
    /// option code and value, in this order, after the lease options.
    public var extraOptions: [(code: UInt8, value: [UInt8])] = []
    /// Unix seconds now; a parameter so that tests can move time.
    public var now: @Sendable () -> UInt64 = { unixSeconds() }
    /// Where an OFFER holds its address: `true` (default) writes the hold to the store, so other
    /// boot servers see it and offer other clients other addresses; `false` keeps it in this
    /// server's view only, halving store writes per DORA. Either way the ACK is a
    /// compare-and-swap, so an address is never bound to two clients; with `false`, two servers
    /// may offer one address to two clients and the second REQUEST goes unanswered (the client
    /// retries, then starts over with a DISCOVER).
    public var offersInStore = true
    /// Lease changes waiting or in flight beyond this are shed (`overloaded`): a bound on memory
    /// and on latency during a storm, so that the requests that are answered are answered in
    /// time; clients retry. DISCOVERs are shed from half of it on, so that exchanges already
    /// under way (REQUESTs) complete first.
    public var commitsInFlightMax = 2048
    /// The DHCP socket's receive buffer: 4 MiB holds a few thousand requests, so a burst that
    /// arrives while the ring thread is descheduled (a loaded machine, a fsync) waits instead
    /// of being dropped by the kernel before the server sees it.
    public var receiveBufferBytes = 4 << 20
    /// Lease changes per store transaction at most.
    public var commitBatchMax = 256
    /// Store transactions of lease changes in flight at once.
    public var commitBatchesInFlightMax = 2
    /// Answer a renewal or reboot REQUEST of a client's own bound lease from the view, without
    /// a store write, while more than half of the lease is left (docs/dhcp.md says why this is
    /// safe). The ACK then gives the time left, never more than the store holds.
    public var renewFromView = true

    /// The relays (giaddr) whose requests are answered; empty answers any relay (docs/dhcp.md,
    /// "Who may ask"). Requests without giaddr (a directly attached link) are not affected.
    public var relays: Set<UInt32> = []
    /// How many DISCOVERs a relay and a client may have answered (``OfferLimiter``).
    public var offerLimits = OfferLimits()
    /// A monotonic clock in milliseconds for the offer limits; a parameter so that tests can
    /// move time.
    public var milliseconds: @Sendable () -> UInt64 = { monotonicMilliseconds() }

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
        c.extraOptions = extraOptions
        c.renewFromView = renewFromView
        return c
    }
}
