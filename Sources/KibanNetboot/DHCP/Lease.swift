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

    /// Creates a lease.
    public init(address: UInt32, mac: String, state: State, expiresAt: UInt64) {
        self.address = address
        self.mac = mac
        self.state = state
        self.expiresAt = expiresAt
    }
}

/// The leases one boot server knows, by address and by client, kept current from the store.
public struct LeaseTable: Sendable {
    private var byAddress: [UInt32: DHCPLease] = [:]
    private var byMAC: [String: UInt32] = [:]

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
        if let old = byAddress[lease.address], byMAC[old.mac] == lease.address { byMAC[old.mac] = nil }
        byAddress[lease.address] = lease
        if lease.state != .declined { byMAC[lease.mac] = lease.address }
    }

    /// Removes the lease of an address.
    public mutating func remove(_ address: UInt32) {
        if let old = byAddress.removeValue(forKey: address), byMAC[old.mac] == address { byMAC[old.mac] = nil }
    }

    /// Every lease, by address.
    public var all: [DHCPLease] { byAddress.keys.sorted().compactMap { byAddress[$0] } }
}

/// Formats a hardware address as lowercase hex with colons.
public func macString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: ":")
}
