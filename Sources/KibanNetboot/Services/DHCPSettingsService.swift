import Foundation
public import KibanStore

/// The cluster-wide DHCP settings (``DHCPSettings``) kept in the replicated store: every member's
/// DHCP server follows them. Per-rack values come from the inventory's IPAM instead.
///
/// ```swift
/// let dhcp = DHCPSettingsService(store: store)
/// var settings = try await dhcp.settings()
/// settings.leaseSeconds = 600
/// try await dhcp.set(settings, author: author)
/// ```
public struct DHCPSettingsService: Sendable {
    /// The store the settings live in.
    public let store: Store

    /// Creates the service over `store`.
    public init(store: Store) {
        self.store = store
    }

    /// The settings in the store, or the defaults when none were set.
    /// - Throws: ``NetbootError`` `unreadable` when the stored document does not decode.
    public func settings() async throws -> DHCPSettings {
        guard let kv = try await store.get(DHCPSettings.key) else { return DHCPSettings() }
        do { return try JSONDecoder().decode(DHCPSettings.self, from: Data(kv.value)) } catch {
            throw NetbootError(.unreadable, "the DHCP settings in the store are unreadable (\(error)); set them again with `kiban dhcp set FILE`")
        }
    }

    /// Validates, then replaces the settings.
    /// - Throws: ``NetbootError`` `invalidInput` listing every problem; nothing is changed then.
    @discardableResult
    public func set(_ settings: DHCPSettings, author: ChangeAuthor) async throws -> DHCPSettings {
        let problems = settings.problems
        guard problems.isEmpty else {
            throw NetbootError(.invalidInput, "the DHCP settings are not valid; nothing was changed:\n  " + problems.joined(separator: "\n  "))
        }
        let value = try NetbootCodec.encode(settings)
        _ = try await store.txn(
            Txn(success: [
                .put(key: DHCPSettings.key, value: value, lease: 0),
                try author.auditPut("dhcp.set", "settings"),
            ]))
        return settings
    }
}
