import KibanNetboot
import NIOHTTP1

extension AdminRouter {
    /// `/v1/dhcp/settings` (GET, PUT), `/v1/dhcp/leases?rack=R` (GET), `/v1/dhcp/status` (GET).
    func dhcp(_ r: AdminRequest, _ argument: String?) async throws -> [UInt8] {
        switch (r.method, argument) {
        case (.GET, "settings"): return Self.encode(try await daemon.dhcpSettings())
        case (.PUT, "settings"):
            let settings = try r.decode(DHCPSettings.self)
            return Self.encode(try await daemon.setDHCPSettings(settings, caller: r.caller))
        case (.GET, "leases"):
            var rack: Int?
            if let text = r.query["rack"], !text.isEmpty {
                guard let n = Int(text), n >= 0 else { throw ServerError(.badRequest, "rack must be a rack number (0, 1, …), not \(text)") }
                rack = n
            }
            return Self.encode(try await daemon.dhcpLeases(rack: rack))
        case (.GET, "status") where r.query["cluster"] == "true": return Self.encode(try await daemon.clusterDHCPStatus())
        case (.GET, "status"): return Self.encode(try await daemon.dhcpStatus())
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }
}
