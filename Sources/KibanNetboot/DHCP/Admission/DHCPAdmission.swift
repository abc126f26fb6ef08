/// Whether a request is looked at at all, before any decision about leases (docs/dhcp.md, "Who
/// may ask"): relayed requests only from listed relays, and new offers within their limits.
/// A pure function of the request, the settings, the buckets and the time.
public enum DHCPAdmission {
    /// Why a request is refused.
    public enum Refusal: Sendable, Hashable {
        /// Its giaddr is not in ``DHCPServerConfiguration/relays``.
        case relayNotAllowed
        /// A DISCOVER past its relay's offer limit.
        case relayRateLimited
        /// A DISCOVER past its client's offer limit.
        case clientRateLimited
    }

    /// nil when `m` may be answered. `relays` empty allows any relay. Only DISCOVERs take
    /// tokens: they are what creates an offer (a hold on an address and a store write); a
    /// REQUEST binds only an address already offered to its client (``DHCPResponder``).
    public static func check(
        _ m: DHCPMessage, relays: Set<UInt32>, limiter: inout OfferLimiter,
        nowMilliseconds: UInt64
    ) -> Refusal? {
        if m.giaddr != 0, !relays.isEmpty, !relays.contains(m.giaddr) { return .relayNotAllowed }
        guard m.messageType == .discover else { return nil }
        switch limiter.admit(relay: m.giaddr, client: OfferLimiter.clientKey(m.chaddr), nowMilliseconds: nowMilliseconds) {
        case nil: return nil
        case .relay?: return .relayRateLimited
        case .client?: return .clientRateLimited
        }
    }
}
