import Foundation
import KibanNetboot
import KibanStore
import KibanTestSupport
import Testing

@Suite("DHCP settings service on a one-member store")
struct DHCPSettingsServiceTests {
    @Test("The defaults until set; a bad document is refused with every problem and changes nothing")
    func setAndGet() async throws {
        let cluster = try await oneMemberStore()
        let dhcp = DHCPSettingsService(store: cluster.stores[0])
        #expect(try await dhcp.settings() == DHCPSettings())
        var bad = DHCPSettings()
        bad.leaseSeconds = 1
        bad.dnsServers = ["not-an-address"]
        let refused = await #expect(throws: NetbootError.self) { try await dhcp.set(bad, author: alice()) }
        #expect(refused?.code == .invalidInput)
        #expect(refused?.message.contains("lease-seconds") == true)
        #expect(refused?.message.contains("not-an-address") == true)
        #expect(try await dhcp.settings() == DHCPSettings())
        var good = DHCPSettings()
        good.leaseSeconds = 600
        good.relays = ["10.69.0.1"]
        try await dhcp.set(good, author: alice(1))
        #expect(try await dhcp.settings() == good)
        let entries = try await cluster.stores[0].audit("dhcp")
        #expect(entries.map(\.action) == ["dhcp.set"])
        #expect(entries.first?.time == serviceT0 + 1)
        await cluster.stop()
    }

    @Test("A document in the store that does not decode is reported, not replaced by the defaults")
    func unreadable() async throws {
        let cluster = try await oneMemberStore()
        let dhcp = DHCPSettingsService(store: cluster.stores[0])
        _ = try await cluster.stores[0].txn(Txn(success: [.put(key: DHCPSettings.key, value: Array("{\"lease-seconds\": \"x\"}".utf8), lease: 0)]))
        let error = await #expect(throws: NetbootError.self) { try await dhcp.settings() }
        #expect(error?.code == .unreadable)
        await cluster.stop()
    }
}
