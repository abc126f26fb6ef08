import Foundation
import KibanInventory
import KibanTestSupport
import Testing

@Suite("IPAM arithmetic")
struct IPAMTests {
    @Test("sabakan's worked example: rack 1, index 5 gets 10.69.0.197, 10.69.1.5, 10.69.1.69 and BMC 10.72.17.37")
    func workedExample() throws {
        let ipam = try exampleIPAM()
        #expect(ipam.problems.isEmpty)
        #expect(ipam.nodeAddresses(rack: 1, index: 5).map(\.description) == ["10.69.0.197", "10.69.1.5", "10.69.1.69"])
        #expect(ipam.bmcAddress(rack: 1, index: 5).description == "10.72.17.37")
        #expect(ipam.nodeGateway(of: IPv4(0x0A45_00C5)).description == "10.69.0.193")
    }

    @Test("Rack 0, index 4 gets 10.69.0.4, .68, .132 and BMC 10.72.17.4")
    func rackZero() throws {
        let ipam = try exampleIPAM()
        #expect(ipam.nodeAddresses(rack: 0, index: 4).map(\.description) == ["10.69.0.4", "10.69.0.68", "10.69.0.132"])
        #expect(ipam.bmcAddress(rack: 0, index: 4).description == "10.72.17.4")
        #expect(ipam.bmcGateway(of: ipam.bmcAddress(rack: 0, index: 4)).description == "10.72.16.1")
    }

    @Test("The lease range of a relay's giaddr lies above the rack's static addresses")
    func leaseRange() throws {
        let ipam = try exampleIPAM()
        let range = try #require(ipam.leaseRange(containing: IPv4("10.69.0.65") ?? IPv4(0)))
        #expect(range.lowerBound.description == "10.69.0.96")
        #expect(range.upperBound.description == "10.69.0.126")
        #expect(ipam.leaseRange(containing: IPv4("192.0.2.1") ?? IPv4(0)) == nil)
    }

    @Test("A configuration whose rack does not fit its range is refused with the reason")
    func invalidConfig() throws {
        var ipam = try exampleIPAM()
        ipam.maxNodesInRack = 70
        #expect(ipam.problems.contains { $0.contains("2^node-ipv4-range-size") })
    }

    @Test("The example's pools hold 120 racks (the BMC pool is the smaller); rack 120 is refused")
    func racksMax() throws {
        let ipam = try exampleIPAM()
        #expect(ipam.racksMax == 120)
        let lastRack = ipam.bmcAddress(rack: 119, index: 3 + 28)
        #expect(lastRack.masked(prefix: 20) == ipam.bmcIPv4Pool.address)
        let result = Registrar.register(
            [MachineRegistration(serial: "far", rack: 120, role: "cs", bmcType: "IPMI-2.0")],
            existing: [], ipam: ipam, now: Date(timeIntervalSince1970: 0))
        #expect(throws: RegistrationProblems.self) { try result.get() }
    }

    @Test("Addresses parse and print as dotted quads", arguments: ["0.0.0.0", "10.69.0.197", "255.255.255.255"])
    func roundTrip(text: String) {
        #expect(IPv4(text)?.description == text)
    }

    @Test("Malformed addresses are refused", arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1..2.3", "+1.2.3.4", "01234.1.1.1"])
    func malformed(text: String) {
        #expect(IPv4(text) == nil)
    }

    @Test("A network with host bits set is refused")
    func hostBits() {
        #expect(IPv4Network("10.69.0.1/16") == nil)
        #expect(IPv4Network("10.69.0.0/16")?.size == 65536)
    }
}
