extension DHCPServer {
    /// Applies ``DHCPAdmission`` with the current relays and limits; the drop reason when the
    /// request is refused.
    func admit(_ m: DHCPMessage, _ configuration: DHCPServerConfiguration) -> DHCPCounters.DropReason? {
        // Neither a relay list nor the buckets concern a request that is neither relayed nor a DISCOVER.
        guard m.giaddr != 0 || m.messageType == .discover else { return nil }
        let refusal = limiter.withLock { limiter in
            limiter.update(configuration.offerLimits)
            return DHCPAdmission.check(
                m, relays: configuration.relays, limiter: &limiter,
                nowMilliseconds: configuration.milliseconds())
        }
        switch refusal {
        case nil: return nil
        case .relayNotAllowed?: return .relayNotAllowed
        case .relayRateLimited?: return .relayRateLimited
        case .clientRateLimited?: return .clientRateLimited
        }
    }
}
