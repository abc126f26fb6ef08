import Foundation
public import KibanAdminAPI
import KibanInventory
public import KibanNetboot
import KibanStore

/// One lease as `kiban dhcp leases` shows it.
public struct DHCPLeaseInfo: Codable, Sendable, Hashable {
    public var address: String
    public var mac: String
    /// The host name the client sent (option 12), if any.
    public var hostname: String?
    /// The rack whose range holds the address (from IPAM), if known.
    public var rack: Int?
    /// `offered`, `bound` or `declined`; `expired` once past its expiry (reclaimable).
    public var state: String
    /// Unix seconds after which the address is free again.
    public var expiresAt: UInt64
    /// Seconds until then (negative: expired).
    public var expiresIn: Int64
}

/// `kiban dhcp`: the settings through ``DHCPSettingsService``; the leases with their racks from
/// the inventory's IPAM; this member's counters.
extension Daemon {
    /// `kiban dhcp get`: the settings in the store, or the defaults when none were set.
    public func dhcpSettings() async throws(ServerError) -> DHCPSettings {
        let dhcp = DHCPSettingsService(store: try requireStore())
        return try await netboot { try await dhcp.settings() }
    }

    /// `kiban dhcp set FILE`: validates, then replaces the settings; every member's DHCP server
    /// follows within a moment.
    public func setDHCPSettings(_ settings: DHCPSettings, caller: Caller) async throws(ServerError) -> DHCPSettings {
        let dhcp = DHCPSettingsService(store: try requireStore())
        let author = author(caller)
        return try await netboot(caller, "dhcp.set", "settings") { try await dhcp.set(settings, author: author) }
    }

    /// `kiban dhcp leases [--rack R]`: every lease (linearizable), with its rack from IPAM.
    public func dhcpLeases(rack: Int?) async throws(ServerError) -> [DHCPLeaseInfo] {
        let store = try requireStore()
        let leases = try await storeCall { () throws(StoreError) in try await LeaseRecord.list(in: store) }
        let ipamKV = try await storeCall { () throws(StoreError) in try await store.get(IPAMConfig.storeKey) }
        let ipam = ipamKV.flatMap { IPAMConfig.decodeStored($0.value) }
        let now = unixSeconds()
        return leases.compactMap { l in
            let r = ipam?.rack(ofNodeAddress: l.address)
            if let rack, r != rack { return nil }
            return DHCPLeaseInfo(
                address: dottedQuad(l.address), mac: l.mac, hostname: l.hostname, rack: r,
                state: l.expiresAt <= now ? "expired" : l.state.rawValue,
                expiresAt: l.expiresAt,
                // Clamped: a record written by hand may hold any UInt64.
                expiresIn: Int64(clamping: l.expiresAt) - Int64(clamping: now))
        }
    }

    /// `kiban dhcp status`: this member's DHCP counters.
    public func dhcpStatus() throws(ServerError) -> DHCPStatusInfo {
        _ = try requireStore()
        guard let dhcp = running?.dhcp else { return DHCPStatusInfo(serving: false, received: 0, committed: 0, replied: [:], dropped: [:]) }
        let c = dhcp.server.counters
        return DHCPStatusInfo(
            serving: dhcp.serving, received: c.received, committed: c.committed, replied: c.replied,
            dropped: Dictionary(uniqueKeysWithValues: c.dropped.map { ($0.key.rawValue, $0.value) }))
    }
}
