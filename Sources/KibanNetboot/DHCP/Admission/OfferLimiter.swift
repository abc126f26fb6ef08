/// How many new offers one relay and one client may draw (token buckets): a host that reaches
/// port 67 cannot hold every address of a rack with DISCOVERs from made-up hardware addresses,
/// and one relay's rack cannot starve the others. Defaults let a whole rack power on at once.
public struct OfferLimits: Sendable, Hashable {
    /// DISCOVERs answered per second per relay (giaddr; directly attached clients share one
    /// bucket), once its burst is spent.
    public var relayOffersPerSecond: UInt32 = 200
    /// DISCOVERs a relay may send at once (a rack powering on: every machine, retransmissions).
    public var relayOfferBurst: UInt32 = 1000
    /// DISCOVERs answered per minute per client hardware address, once its burst is spent.
    public var clientOffersPerMinute: UInt32 = 12
    /// DISCOVERs a client may send at once (firmware, iPXE and the operating system each start
    /// an exchange while booting, and each may retransmit).
    public var clientOfferBurst: UInt32 = 8
    /// Buckets remembered per kind (relays, clients), in two generations of half of it each:
    /// when the current one is full the previous one is forgotten (its keys start full again),
    /// so memory stays bounded whatever addresses arrive.
    public var bucketsMax = 16_384

    /// The defaults.
    public init() {}
}

/// The token buckets behind ``OfferLimits``: a value with no clock of its own (the caller
/// passes the time), so that the decision stays a function of its inputs.
public struct OfferLimiter: Sendable {
    /// Which bucket was empty.
    public enum Refusal: Sendable, Hashable {
        /// The relay's bucket (giaddr) was empty.
        case relay
        /// The client's bucket (chaddr) was empty.
        case client
    }

    /// The limits; changed by ``update(_:)``.
    public private(set) var limits: OfferLimits
    private var relays: BucketTable<UInt32>
    private var clients: BucketTable<UInt64>

    /// Buckets for `limits`, all full.
    public init(_ limits: OfferLimits = OfferLimits()) {
        self.limits = limits
        relays = BucketTable(generationMax: max(1, limits.bucketsMax / 2))
        clients = BucketTable(generationMax: max(1, limits.bucketsMax / 2))
    }

    /// Applies new limits; buckets already filled keep their tokens (capped at the new burst).
    public mutating func update(_ new: OfferLimits) {
        guard new != limits else { return }
        if new.bucketsMax != limits.bucketsMax {
            self = OfferLimiter(new)
            return
        }
        limits = new
    }

    /// Takes a token from the relay's and the client's bucket, or from neither and says which
    /// was empty (the relay's first: a client refused for its relay costs its own bucket nothing).
    /// - Parameters:
    ///   - relay: giaddr, 0 for a directly attached client.
    ///   - client: the hardware address (an Ethernet MAC, the first 6 bytes of chaddr) as a number:
    ///     ``clientKey(_:)``.
    ///   - nowMilliseconds: a monotonic clock.
    public mutating func admit(relay: UInt32, client: UInt64, nowMilliseconds: UInt64) -> Refusal? {
        let relayRate = Bucket.Rate(
            perMillisecond: Double(limits.relayOffersPerSecond) / 1000,
            burst: Double(max(1, limits.relayOfferBurst)))
        let clientRate = Bucket.Rate(
            perMillisecond: Double(limits.clientOffersPerMinute) / 60_000,
            burst: Double(max(1, limits.clientOfferBurst)))
        var r = relays.bucket(relay, rate: relayRate, now: nowMilliseconds)
        guard r.tokens >= 1 else {
            relays.store(relay, r)
            return .relay
        }
        var c = clients.bucket(client, rate: clientRate, now: nowMilliseconds)
        guard c.tokens >= 1 else {
            clients.store(client, c)
            return .client
        }
        r.tokens -= 1
        c.tokens -= 1
        relays.store(relay, r)
        clients.store(client, c)
        return nil
    }

    /// A client's bucket key: the first 6 bytes of `chaddr` (the responder serves Ethernet only),
    /// a number so that the hot path neither allocates nor hashes an array.
    public static func clientKey(_ chaddr: [UInt8]) -> UInt64 {
        var key: UInt64 = 0
        for b in chaddr.prefix(6) { key = key << 8 | UInt64(b) }
        return key
    }

    /// Buckets remembered now (both kinds), for tests of the bound.
    public var bucketCount: Int { relays.count + clients.count }
}

/// Tokens and the time they were counted.
struct Bucket: Sendable {
    struct Rate {
        var perMillisecond: Double
        var burst: Double
    }

    var tokens: Double
    var updated: UInt64

    /// Tokens at `now`: refilled at `rate`, never above the burst.
    func refilled(_ rate: Rate, now: UInt64) -> Bucket {
        let elapsed = now > updated ? Double(now - updated) : 0
        return Bucket(tokens: min(rate.burst, tokens + elapsed * rate.perMillisecond), updated: max(now, updated))
    }
}

/// Buckets by key in two generations: new and used buckets go to the current one; when it is
/// full it becomes the previous one and the old previous one is forgotten. At most
/// `2 * generationMax` buckets, O(1) per request, and a forgotten bucket only starts full again.
struct BucketTable<Key: Hashable & Sendable>: Sendable {
    let generationMax: Int
    private var current: [Key: Bucket] = [:]
    private var previous: [Key: Bucket] = [:]

    init(generationMax: Int) {
        self.generationMax = generationMax
    }

    var count: Int { current.count + previous.count }

    /// The key's bucket refilled to `now`; a full one for a key not remembered.
    func bucket(_ key: Key, rate: Bucket.Rate, now: UInt64) -> Bucket {
        guard let b = current[key] ?? previous[key] else { return Bucket(tokens: rate.burst, updated: now) }
        return b.refilled(rate, now: now)
    }

    mutating func store(_ key: Key, _ bucket: Bucket) {
        if current[key] == nil {
            previous[key] = nil
            if current.count >= generationMax {
                previous = current
                current = [:]
            }
        }
        current[key] = bucket
    }
}
