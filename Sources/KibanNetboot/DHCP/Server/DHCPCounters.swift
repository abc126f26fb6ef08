import CoreMetrics

/// What a ``DHCPServer`` did since it started, for the metrics endpoint and `kiban dhcp status`.
public struct DHCPCounters: Sendable, Hashable {
    /// Why a request got no reply. A fixed set, so that metrics have bounded labels; the
    /// responder's detailed reason goes to the debug log.
    public enum DropReason: String, Sendable, Hashable, CaseIterable {
        /// Not a well-formed DHCP message.
        case malformed
        /// The responder decided not to answer (another server chosen, no pool, no record, …).
        case notServed = "not_served"
        /// Another commit of the same address was in flight on this server.
        case addressBusy = "address_busy"
        /// The compare-and-swap lost: another server changed the lease first.
        case lostRace = "lost_race"
        /// The store could not commit (no quorum, shutting down).
        case storeError = "store_error"
        /// The ring's reply queue was full.
        case replyQueueFull = "reply_queue_full"
        /// Shed: too many lease changes were waiting for the store (``DHCPServerConfiguration/commitsInFlightMax``).
        case overloaded
        /// Relayed by a giaddr not in the relay list (``DHCPServerConfiguration/relays``).
        case relayNotAllowed = "relay_not_allowed"
        /// A DISCOVER past its relay's offer limit (``OfferLimits``).
        case relayRateLimited = "rate_limited_relay"
        /// A DISCOVER past its client's offer limit (``OfferLimits``).
        case clientRateLimited = "rate_limited_client"
    }

    /// Datagrams received.
    public var received = 0
    /// Well-formed messages received, by message type (`discover`, `request`, …; `none` when
    /// option 53 is missing).
    public var receivedByType: [String: Int] = [:]
    /// Replies sent, by message type (`offer`, `ack`, `nak`).
    public var replied: [String: Int] = [:]
    /// Requests without a reply, by reason.
    public var dropped: [DropReason: Int] = [:]
    /// Lease changes committed to the store (including DECLINE and RELEASE, which get no reply).
    public var committed = 0
    /// Store transactions that carried lease changes (each carries a batch of them).
    public var transactions = 0
    /// Expired leases this server deleted from the store.
    public var reclaimed = 0

    /// Creates zeroed counters.
    public init() {}

    /// Requests dropped for `reason`.
    public func dropped(_ reason: DropReason) -> Int { dropped[reason, default: 0] }

    /// All replies sent.
    public var repliedTotal: Int { replied.values.reduce(0, +) }
}

extension Timer {
    /// Records `duration` (the Prometheus exporter shows seconds).
    func recordInterval(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
