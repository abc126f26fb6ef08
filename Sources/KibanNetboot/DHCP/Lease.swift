/// One address's lease, as the boot servers share it through the store.
public struct DHCPLease: Sendable, Hashable, Codable {
    /// What the address is doing.
    public enum State: String, Sendable, Hashable, Codable {
        /// Offered to a client, held briefly until it requests it.
        case offered
        /// Acknowledged: the client uses it until ``DHCPLease/expiresAt``.
        case bound
        /// A client found it in use (DECLINE): nobody gets it until ``DHCPLease/expiresAt``.
        case declined
    }

    /// The address.
    public var address: UInt32
    /// The client's hardware address, lowercase hex with colons (`52:54:00:12:34:56`).
    public var mac: String
    /// Offered, bound or declined.
    public var state: State
    /// Unix seconds after which the address is free again.
    public var expiresAt: UInt64
    /// The host name the client sent (option 12), for operators reading the leases.
    public var hostname: String?

    /// Creates a lease.
    public init(address: UInt32, mac: String, state: State, expiresAt: UInt64, hostname: String? = nil) {
        self.address = address
        self.mac = mac
        self.state = state
        self.expiresAt = expiresAt
        self.hostname = hostname
    }
}

/// The leases one boot server knows, by address and by client, kept current from the store.
public struct LeaseTable: Sendable {
    private var byAddress: [UInt32: DHCPLease] = [:]
    private var byMAC: [String: UInt32] = [:]
    /// Every address with a lease, ascending: the lowest address without one is a binary
    /// search away however many leases a pool holds (a scan from the pool's start cost one
    /// lookup per lease for every DISCOVER).
    private var addresses: [UInt32] = []

    /// Creates a table from leases.
    public init(_ leases: [DHCPLease] = []) {
        for l in leases { upsert(l) }
    }

    /// The lease of an address, expired or not.
    public func lease(at address: UInt32) -> DHCPLease? { byAddress[address] }

    /// The latest address a client held or was offered, expired or not.
    public func lease(of mac: String) -> DHCPLease? { byMAC[mac].flatMap { byAddress[$0] } }

    /// True when nobody may be given `address` at `now` except `mac`.
    public func isTaken(_ address: UInt32, except mac: String, now: UInt64) -> Bool {
        guard let l = byAddress[address], l.expiresAt > now else { return false }
        return l.mac != mac || l.state == .declined
    }

    /// Inserts or replaces the lease of an address.
    public mutating func upsert(_ lease: DHCPLease) {
        if let old = byAddress[lease.address] {
            if byMAC[old.mac] == lease.address { byMAC[old.mac] = nil }
        } else {
            addresses.insert(lease.address, at: index(of: lease.address))
        }
        byAddress[lease.address] = lease
        if lease.state != .declined { byMAC[lease.mac] = lease.address }
    }

    /// Removes the lease of an address.
    public mutating func remove(_ address: UInt32) {
        guard let old = byAddress.removeValue(forKey: address) else { return }
        if byMAC[old.mac] == address { byMAC[old.mac] = nil }
        addresses.remove(at: index(of: address))
    }

    /// Every lease, by address.
    public var all: [DHCPLease] { addresses.compactMap { byAddress[$0] } }

    /// The lowest address of `range` that has no lease at all (never leased, or deleted), or nil
    /// when every address of it has one. O(log n): in a run of consecutive leased addresses
    /// `addresses[i] - i` is constant, and it grows at the first gap.
    public func lowestUnleased(in range: ClosedRange<UInt32>) -> UInt32? {
        let first = index(of: range.lowerBound)
        guard first < addresses.count, addresses[first] == range.lowerBound else { return range.lowerBound }
        let key = Int64(addresses[first]) - Int64(first)
        var lo = first
        var hi = addresses.count  // addresses[lo] is in the run; the run ends before hi
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if Int64(addresses[mid]) - Int64(mid) == key { lo = mid } else { hi = mid }
        }
        let last = addresses[lo]
        return last < range.upperBound ? last + 1 : nil
    }

    /// Index of the first address not below `address` (binary search).
    private func index(of address: UInt32) -> Int {
        var lo = 0
        var hi = addresses.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if addresses[mid] < address { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Formats a hardware address as lowercase hex with colons.
public func macString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
}
