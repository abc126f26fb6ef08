import Foundation

/// The cluster-wide DHCP settings (`kiban dhcp set FILE`), one JSON document in the store at
/// `dhcp/settings`. Per-rack values (subnet, router, lease range) come from IPAM instead.
///
/// ```yaml
/// lease-seconds: 3600
/// dns-servers: [10.0.0.53, 10.0.1.53]
/// ntp-servers: [10.0.0.123]
/// domain-name: dc1.example.com
/// extra-options:
///   - {code: 252, text: "http://10.0.0.5/wpad.dat"}
///   - {code: 43, hex: "0104c0a80001"}
/// sweep-interval-seconds: 10
/// expired-retention-seconds: 3600
/// relays: [10.69.1.1, 10.69.2.1]
/// relay-offers-per-second: 200
/// relay-offer-burst: 1000
/// client-offers-per-minute: 12
/// client-offer-burst: 8
/// ```
public struct DHCPSettings: Sendable, Hashable, Codable {
    /// Lease length for bound addresses (option 51; T1 and T2 are 1/2 and 7/8 of it).
    public var leaseSeconds: UInt32 = 3600
    /// Option 6, in order of preference.
    public var dnsServers: [String] = []
    /// Option 42.
    public var ntpServers: [String] = []
    /// Option 15.
    public var domainName: String?
    /// Further options by code, each either `text` (UTF-8) or `hex` bytes.
    public var extraOptions: [ExtraOption] = []
    /// How often the Raft leader deletes the leases that are over.
    public var sweepIntervalSeconds: UInt32 = 10
    /// How long an expired bound lease is kept for its client to come back before the sweep
    /// deletes it; nil keeps it one lease time (``leaseSeconds``).
    public var expiredRetentionSeconds: UInt32?
    /// The relays (their giaddr) whose requests are answered; empty answers any relay, with a
    /// warning when the server starts.
    public var relays: [String] = []
    /// DISCOVERs answered per second per relay once its burst is spent (``OfferLimits``).
    public var relayOffersPerSecond: UInt32 = OfferLimits().relayOffersPerSecond
    /// DISCOVERs a relay may have answered at once.
    public var relayOfferBurst: UInt32 = OfferLimits().relayOfferBurst
    /// DISCOVERs answered per minute per client hardware address once its burst is spent.
    public var clientOffersPerMinute: UInt32 = OfferLimits().clientOffersPerMinute
    /// DISCOVERs a client may have answered at once.
    public var clientOfferBurst: UInt32 = OfferLimits().clientOfferBurst

    /// One further option.
    public struct ExtraOption: Sendable, Hashable, Codable {
        /// The option code (1–254, not one the server sets itself).
        public var code: Int
        /// The value as text (sent as UTF-8 bytes).
        public var text: String?
        /// The value as hex digits (`0104c0a80001`).
        public var hex: String?
    }

    enum CodingKeys: String, CodingKey {
        case leaseSeconds = "lease-seconds", dnsServers = "dns-servers", ntpServers = "ntp-servers"
        case domainName = "domain-name", extraOptions = "extra-options"
        case sweepIntervalSeconds = "sweep-interval-seconds", expiredRetentionSeconds = "expired-retention-seconds"
        case relays, relayOffersPerSecond = "relay-offers-per-second", relayOfferBurst = "relay-offer-burst"
        case clientOffersPerMinute = "client-offers-per-minute", clientOfferBurst = "client-offer-burst"
    }

    /// The keys a settings document may have, for the error that refuses any other.
    public static let knownKeys = [
        CodingKeys.leaseSeconds, .dnsServers, .ntpServers, .domainName, .extraOptions,
        .sweepIntervalSeconds, .expiredRetentionSeconds, .relays, .relayOffersPerSecond,
        .relayOfferBurst, .clientOffersPerMinute, .clientOfferBurst,
    ].map(\.rawValue)

    /// The defaults: one-hour leases, no options.
    public init() {}

    /// Reads a document, taking defaults for absent fields.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        leaseSeconds = try c.decodeIfPresent(UInt32.self, forKey: .leaseSeconds) ?? 3600
        dnsServers = try c.decodeIfPresent([String].self, forKey: .dnsServers) ?? []
        ntpServers = try c.decodeIfPresent([String].self, forKey: .ntpServers) ?? []
        domainName = try c.decodeIfPresent(String.self, forKey: .domainName)
        extraOptions = try c.decodeIfPresent([ExtraOption].self, forKey: .extraOptions) ?? []
        sweepIntervalSeconds = try c.decodeIfPresent(UInt32.self, forKey: .sweepIntervalSeconds) ?? 10
        expiredRetentionSeconds = try c.decodeIfPresent(UInt32.self, forKey: .expiredRetentionSeconds)
        relays = try c.decodeIfPresent([String].self, forKey: .relays) ?? []
        let limits = OfferLimits()
        relayOffersPerSecond = try c.decodeIfPresent(UInt32.self, forKey: .relayOffersPerSecond) ?? limits.relayOffersPerSecond
        relayOfferBurst = try c.decodeIfPresent(UInt32.self, forKey: .relayOfferBurst) ?? limits.relayOfferBurst
        clientOffersPerMinute = try c.decodeIfPresent(UInt32.self, forKey: .clientOffersPerMinute) ?? limits.clientOffersPerMinute
        clientOfferBurst = try c.decodeIfPresent(UInt32.self, forKey: .clientOfferBurst) ?? limits.clientOfferBurst
    }

    /// The store key.
    public static let key: [UInt8] = Array("dhcp/settings".utf8)

    /// Options the server sets from the lease, IPAM or the request; an extra option may not
    /// replace them.
    static let reservedCodes: Set<Int> = [0, 1, 3, 6, 15, 42, 50, 51, 52, 53, 54, 55, 56, 58, 59, 60, 61, 82, 255]

    /// Everything wrong with the document, for one error that lists all of it; empty when valid.
    public var problems: [String] {
        var p: [String] = []
        if !(10...(90 * 86400)).contains(leaseSeconds) { p.append("lease-seconds must be from 10 to 7776000 (90 days)") }
        if !(1...3600).contains(sweepIntervalSeconds) { p.append("sweep-interval-seconds must be from 1 to 3600 (one hour)") }
        if let r = expiredRetentionSeconds, r > 90 * 86400 {
            p.append("expired-retention-seconds must be from 0 to 7776000 (90 days); leave it out to keep one lease time")
        }
        for a in dnsServers where parseDottedQuad(a) == nil { p.append("dns-servers: \(a) is not an IPv4 address") }
        for a in ntpServers where parseDottedQuad(a) == nil { p.append("ntp-servers: \(a) is not an IPv4 address") }
        if dnsServers.count > 63 || ntpServers.count > 63 { p.append("at most 63 DNS and 63 NTP servers fit in an option") }
        for a in relays where parseDottedQuad(a) == nil { p.append("relays: \(a) is not an IPv4 address") }
        if relays.count > 4096 { p.append("relays: at most 4096 addresses") }
        for (name, value, range) in [
            ("relay-offers-per-second", relayOffersPerSecond, 1...100_000),
            ("relay-offer-burst", relayOfferBurst, 1...100_000),
            ("client-offers-per-minute", clientOffersPerMinute, 1...6000),
            ("client-offer-burst", clientOfferBurst, 1...1000),
        ] as [(String, UInt32, ClosedRange<UInt32>)]
        where !range.contains(value) {
            p.append("\(name) must be from \(range.lowerBound) to \(range.upperBound)")
        }
        if let d = domainName, d.isEmpty || d.utf8.count > 255 { p.append("domain-name must be 1 to 255 bytes") }
        var seen: Set<Int> = []
        for o in extraOptions {
            let name = "extra-options: code \(o.code)"
            if !(1...254).contains(o.code) {
                p.append("\(name) must be from 1 to 254")
                continue
            }
            if Self.reservedCodes.contains(o.code) { p.append("\(name) is set by the server (use the named setting or IPAM)") }
            if !seen.insert(o.code).inserted { p.append("\(name) appears twice") }
            switch (o.text, o.hex) {
            case (nil, nil), (.some(_), .some(_)): p.append("\(name) needs exactly one of text or hex")
            case (_, let hex?) where Self.bytes(hex: hex) == nil: p.append("\(name): hex must be an even number of hex digits")
            default: break
            }
            if let v = o.value, v.isEmpty || v.count > 255 { p.append("\(name): the value must be 1 to 255 bytes") }
        }
        return p
    }

    /// The options this document adds to replies, in code order.
    var options: [(code: UInt8, value: [UInt8])] {
        var list: [(code: UInt8, value: [UInt8])] = []
        if !ntpServers.isEmpty { list.append((42, ntpServers.compactMap(parseDottedQuad).flatMap(Self.bytes(address:)))) }
        if let domainName { list.append((15, Array(domainName.utf8))) }
        for o in extraOptions { if let v = o.value { list.append((UInt8(truncatingIfNeeded: o.code), v)) } }
        return list.sorted { $0.code < $1.code }
    }

    /// Applies the document to a DHCP server's configuration.
    public func apply(to c: inout DHCPServerConfiguration) {
        c.leaseSeconds = leaseSeconds
        c.dnsServers = dnsServers.compactMap(parseDottedQuad)
        c.extraOptions = options
        c.sweepIntervalSeconds = sweepIntervalSeconds
        c.expiredRetentionSeconds = expiredRetentionSeconds ?? leaseSeconds
        c.relays = Set(relays.compactMap(parseDottedQuad))
        c.offerLimits.relayOffersPerSecond = relayOffersPerSecond
        c.offerLimits.relayOfferBurst = relayOfferBurst
        c.offerLimits.clientOffersPerMinute = clientOffersPerMinute
        c.offerLimits.clientOfferBurst = clientOfferBurst
    }

    static func bytes(address a: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: a >> 24), UInt8(truncatingIfNeeded: a >> 16), UInt8(truncatingIfNeeded: a >> 8), UInt8(truncatingIfNeeded: a)]
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension DHCPSettings.ExtraOption {
    /// The option's bytes; nil when the hex is not hex.
    var value: [UInt8]? {
        if let text { return Array(text.utf8) }
        return hex.flatMap(DHCPSettings.bytes(hex:))
    }
}
