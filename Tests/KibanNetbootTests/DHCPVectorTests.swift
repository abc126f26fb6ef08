import Foundation
import KibanNetboot
import Testing

/// Test vectors captured from real clients (see `scripts/capture-dhcp-vectors.sh`): ISC
/// dhclient, busybox udhcpc and dhcpcd, through isc-dhcp-relay with option 82, and dnsmasq's
/// replies; "rack" files were captured on the rack side of the relay, "relayed" ones between
/// the relay and the server.
enum Vectors {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("vectors")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }.sorted()
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
        let hex = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined()
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex, let j = hex.index(i, offsetBy: 2, limitedBy: hex.endIndex) {
            guard let b = UInt8(hex[i..<j], radix: 16) else { throw VectorError.badHex(name) }
            out.append(b)
            i = j
        }
        return out
    }

    enum VectorError: Error { case badHex(String) }
}

@Suite("DHCP codec on captured vectors")
struct DHCPVectorTests {
    @Test("The captured set covers every client on both sides of the relay")
    func coverage() {
        let names = Set(Vectors.names)
        for client in ["dhclient", "udhcpc", "dhcpcd"] {
            for side in ["rack", "relayed"] {
                for type in ["discover", "request"] {
                    #expect(names.contains("\(client)-\(side)-\(type)"), "missing \(client)-\(side)-\(type)")
                }
            }
        }
        #expect(names.contains("dnsmasq-relayed-offer"))
    }

    @Test("Every captured message parses and serializes back to the same bytes", arguments: Vectors.names)
    func roundTrip(name: String) throws {
        let bytes = try Vectors.bytes(name)
        let message = try DHCPMessage(bytes: bytes)
        #expect(message.bytes == bytes)
        let type = String(name.split(separator: "-").last ?? "")
        #expect(message.messageType.map { "\($0)" } == type)
        #expect(message.hardwareAddress.count == 6)
    }

    @Test(
        "Relayed requests carry the rack's giaddr and option 82's circuit id",
        arguments: Vectors.names.filter { $0.contains("-relayed-") && !$0.hasPrefix("dnsmasq") })
    func relayed(name: String) throws {
        let m = try DHCPMessage(bytes: try Vectors.bytes(name))
        #expect(dottedQuad(m.giaddr) == "198.18.1.1")
        #expect(m.hops == 1)
        let circuit = m.relayAgentSubOptions?.first { $0.code == 1 }
        #expect(circuit.map { String(decoding: $0.data, as: UTF8.self) } == "br-r1")
    }

    @Test(
        "Requests on the rack side have no relay fields",
        arguments: Vectors.names.filter { $0.contains("-rack-") && !$0.hasPrefix("dnsmasq") })
    func direct(name: String) throws {
        let m = try DHCPMessage(bytes: try Vectors.bytes(name))
        #expect(m.giaddr == 0)
        #expect(m.relayAgentSubOptions == nil)
        #expect(!m.isIPXE && !m.isUEFIHTTPBoot)
    }

    @Test("Client fingerprints: udhcpc and dhcpcd name themselves in option 60; requests ask for a server's address")
    func fingerprints() throws {
        let udhcpc = try DHCPMessage(bytes: try Vectors.bytes("udhcpc-rack-discover"))
        #expect(udhcpc.vendorClassIdentifier?.hasPrefix("udhcp") == true)
        let dhcpcd = try DHCPMessage(bytes: try Vectors.bytes("dhcpcd-rack-discover"))
        #expect(dhcpcd.vendorClassIdentifier?.hasPrefix("dhcpcd") == true)
        let request = try DHCPMessage(bytes: try Vectors.bytes("dhclient-rack-request"))
        #expect(request.serverIdentifier.map(dottedQuad) == "198.18.0.11")
        #expect(request.requestedIPAddress != nil)
        #expect(request.parameterRequestList.contains(DHCPOptionCode.router.rawValue))
    }
}
