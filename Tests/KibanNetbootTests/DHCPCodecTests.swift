import KibanNetboot
import KibanTestSupport
import Testing

@Suite("DHCP codec")
struct DHCPCodecTests {
    /// A minimal DISCOVER built by hand: cookie, option 53, end.
    static func discover(extra: [UInt8] = []) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 236)
        b[0] = 1
        b[1] = 1
        b[2] = 6
        b[28...33] = [0x52, 0x54, 0, 0x12, 0x34, 0x56]
        return b + [99, 130, 83, 99, 53, 1, 1] + extra + [255]
    }

    @Test(
        "Malformed packets are refused with a reason, never trapped on",
        arguments: [
            [UInt8](), [UInt8](repeating: 0, count: 239), Array(discover().prefix(240)).map { $0 == 99 ? 98 : $0 },
            Array(discover().dropLast()) + [61],  // option code with no length
            Array(discover().dropLast()) + [61, 9, 1],  // length past the end
        ])
    func malformed(bytes: [UInt8]) {
        #expect(throws: DHCPParseError.self) { _ = try DHCPMessage(bytes: bytes) }
    }

    @Test("A message with op 3 or hlen over 16 is refused")
    func badHeader() {
        var b = Self.discover()
        b[0] = 3
        #expect(throws: DHCPParseError.self) { _ = try DHCPMessage(bytes: b) }
        b = Self.discover()
        b[2] = 17
        #expect(throws: DHCPParseError.self) { _ = try DHCPMessage(bytes: b) }
    }

    @Test("iPXE is recognised by its bare user class, RFC 3004 user class, or option 175")
    func ipxe() throws {
        #expect(try DHCPMessage(bytes: Self.discover(extra: [77, 4] + Array("iPXE".utf8))).isIPXE)
        #expect(try DHCPMessage(bytes: Self.discover(extra: [77, 5, 4] + Array("iPXE".utf8))).isIPXE)
        #expect(try DHCPMessage(bytes: Self.discover(extra: [175, 3, 1, 1, 1])).isIPXE)
        #expect(try !DHCPMessage(bytes: Self.discover(extra: [77, 4] + Array("gPXE".utf8))).isIPXE)
    }

    @Test("UEFI HTTP boot needs both the HTTPClient vendor class and an HTTP architecture")
    func uefiHTTP() throws {
        let vc = Array("HTTPClient:Arch:00016:UNDI:003001".utf8)
        #expect(try DHCPMessage(bytes: Self.discover(extra: [60, UInt8(vc.count)] + vc + [93, 2, 0, 0x10])).isUEFIHTTPBoot)
        #expect(try !DHCPMessage(bytes: Self.discover(extra: [60, UInt8(vc.count)] + vc + [93, 2, 0, 0x07])).isUEFIHTTPBoot)
        let m = try DHCPMessage(bytes: Self.discover(extra: [93, 4, 0, 0x07, 0, 0x10]))
        #expect(m.clientArchitectures == [7, 16])
    }

    @Test("An option split over several instances is read as one (RFC 3396) and written back split")
    func longOptions() throws {
        var m = try DHCPMessage(bytes: Self.discover(extra: [43, 2, 1, 2, 43, 1, 3]))
        #expect(m.option(43) == [1, 2, 3])
        let long = [UInt8](repeating: 7, count: 300)
        m.setOption(.hostName, long)
        let again = try DHCPMessage(bytes: m.bytes)
        #expect(again.option(.hostName) == long)
    }

    @Test("Options in the file field are read when option 52 says so")
    func overload() throws {
        var b = Self.discover(extra: [52, 1, 1])
        b[108...113] = [12, 3, 0x61, 0x62, 0x63, 255]
        let m = try DHCPMessage(bytes: b)
        #expect(m.option(.hostName) == Array("abc".utf8))
    }

    @Test("Mutated captured packets never trap: parsing either fails or round-trips (bounded fuzz)")
    func fuzz() throws {
        var rng = SeededRandom.forTest("DHCPCodecTests")
        let seeds = try Vectors.names.map(Vectors.bytes)
        #expect(!seeds.isEmpty)
        let start = ContinuousClock.now
        var runs = 0
        while runs < 100_000 && ContinuousClock.now - start < .seconds(5) {
            var b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...6, using: &rng) where !b.isEmpty {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: b.removeSubrange(i...)
                case 2: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                default: b[i] = [0, 255, 52, 82, 53][Int.random(in: 0..<5, using: &rng)]
                }
            }
            if let m = try? DHCPMessage(bytes: b) {
                #expect(m.bytes == b)
                _ = (
                    m.messageType, m.relayAgentSubOptions, m.isIPXE, m.isUEFIHTTPBoot, m.clientArchitectures,
                    m.option(.hostName), m.requestedIPAddress
                )
            }
            runs += 1
        }
        #expect(runs > 1_000)
    }
}
