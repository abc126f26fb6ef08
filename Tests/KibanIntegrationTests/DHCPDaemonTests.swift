import Foundation
import Glibc
import KibanNetboot
import KibanTestSupport
import Testing

/// The daemon's DHCP server and `kiban dhcp`, with real `kiban server` processes.
@Suite("DHCP in the daemon", .serialized)
struct DHCPDaemonTests {
    /// sabakan IPAM over 127.0.0.0/16: rack R is 127.0.R.0/24, its relay 127.0.R.1, leases .32–.254.
    static let ipam = """
        {"max-nodes-in-rack": 28, "node-ipv4-pool": "127.0.0.0/16", "node-ipv4-range-size": 8,
         "node-ipv4-range-mask": 24, "node-ip-per-node": 1, "node-index-offset": 3, "node-gateway-offset": 1,
         "bmc-ipv4-pool": "10.99.0.0/16", "bmc-ipv4-range-size": 8, "bmc-ipv4-range-mask": 24,
         "bmc-ipv4-gateway-offset": 1}
        """

    /// One initialized member with the IPAM configuration in the store (`inventory/ipam`).
    static func member(_ label: String) async throws -> (ServerProcess, Cluster, String) {
        let root = try temporaryDirectory(label)
        let cluster = try await Cluster.start(1, prefix: "dhcp", root: root)
        try await cluster.initialize()
        let m = cluster.members[0]
        let put = m.cli("kv", "put", "inventory/ipam", ipam)
        guard put.code == 0 else { throw TestFailure("kv put failed: \(put.stderr)") }
        return (m, cluster, root)
    }

    @Test("kiban dhcp set refuses a bad document with every problem and changes nothing; get prints json and yaml")
    func settingsCLI() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-settings")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let bad = root + "/bad.yaml"
        try """
        lease-seconds: 5
        dns-servers: [10.0.0.999]
        extra-options:
          - {code: 51, hex: "abc"}
        sweep-interval-seconds: 0
        expired-retention-seconds: 99999999
        relays: [10.0.0.1, 10.0.0.256]
        client-offer-burst: 0
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let refused = m.cli("dhcp", "set", bad)
        #expect(refused.code != 0)
        for problem in [
            "lease-seconds must be", "10.0.0.999 is not an IPv4 address", "code 51 is set by the server", "hex must be",
            "sweep-interval-seconds must be from 1 to 3600", "expired-retention-seconds must be from 0 to 7776000",
            "relays: 10.0.0.256 is not an IPv4 address", "client-offer-burst must be from 1 to 1000",
        ] {
            #expect(refused.stderr.contains(problem), "\(refused.stderr)")
        }
        try "lease-time: 60\n".write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(m.cli("dhcp", "set", bad).stderr.contains("unknown setting lease-time"))
        let defaults = m.cli("dhcp", "get", "-o", "json").json
        #expect(defaults["lease-seconds"] as? Int == 3600 && defaults["sweep-interval-seconds"] as? Int == 10)
        #expect(defaults["expired-retention-seconds"] == nil)
        #expect(m.cli("dhcp", "get").stdout.contains("3600 (lease-seconds)"))

        let good = root + "/dhcp.yaml"
        try """
        lease-seconds: 600
        dns-servers: [10.9.8.7]
        domain-name: dc1.example.com
        extra-options: [{code: 252, text: "http://10.0.0.5/wpad.dat"}]
        sweep-interval-seconds: 30
        expired-retention-seconds: 0
        relays: [127.0.5.1]
        relay-offers-per-second: 50
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let set = m.cli("dhcp", "set", good)
        #expect(set.code == 0, "\(set.stderr)")
        let json = m.cli("dhcp", "get", "-o", "json").json
        #expect(json["lease-seconds"] as? Int == 600 && json["domain-name"] as? String == "dc1.example.com")
        #expect(json["sweep-interval-seconds"] as? Int == 30 && json["expired-retention-seconds"] as? Int == 0)
        #expect(json["relays"] as? [String] == ["127.0.5.1"] && json["relay-offers-per-second"] as? Int == 50)
        #expect(json["client-offer-burst"] as? Int == 8)
        let yaml = m.cli("dhcp", "get", "-o", "yaml").stdout
        #expect(yaml.contains("lease-seconds: 600") && yaml.contains("- 10.9.8.7") && !yaml.contains("{"), "\(yaml)")
        #expect(m.cli("dhcp", "get").stdout.contains("dc1.example.com"))
    }

    @Test("kiban dhcp leases shows each lease's rack and state, filtered by rack, as a table, json or yaml")
    func leasesCLI() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-leases")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let now = UInt64(Date().timeIntervalSince1970)
        let leases = [
            DHCPLease(address: 0x7F00_0520, mac: "52:54:00:00:00:01", state: .bound, expiresAt: now + 600, hostname: "node-a"),
            DHCPLease(address: 0x7F00_0721, mac: "52:54:00:00:00:02", state: .bound, expiresAt: now - 10),
        ]
        for l in leases {
            let key = String(decoding: LeaseRecord.key(l.address), as: UTF8.self)
            #expect(m.cli("kv", "put", key, String(decoding: LeaseRecord.encode(l), as: UTF8.self)).code == 0)
        }
        let all = m.cli("dhcp", "leases", "-o", "json")
        let rows = (try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.map { $0["address"] as? String } == ["127.0.5.32", "127.0.7.33"])
        #expect(rows.map { $0["rack"] as? Int } == [5, 7])
        #expect(rows.map { $0["state"] as? String } == ["bound", "expired"])
        let rack5 = m.cli("dhcp", "leases", "--rack", "5").stdout
        #expect(rack5.contains("127.0.5.32") && rack5.contains("node-a") && !rack5.contains("127.0.7.33"), "\(rack5)")
        let yaml = m.cli("dhcp", "leases", "-o", "yaml").stdout
        #expect(yaml.contains("mac: 52:54:00:00:00:02") || yaml.contains("mac: '52:54:00:00:00:02'"), "\(yaml)")
        #expect(m.cli("dhcp", "leases", "--rack", "-1").code != 0)
    }

    @Test("A client's host name with terminal control sequences is escaped in the leases table, and exact in JSON")
    func hostileHostname() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-escape")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        // A title change (OSC), a bell, clear screen (CSI), a C1 CSI, DEL, a right-to-left override.
        let hostile = "\u{1b}]0;pwned\u{07}\u{1b}[2J\u{9b}31mred\u{7f}\u{202e}txt.exe\\x1b"
        let lease = DHCPLease(
            address: 0x7F00_0520, mac: "52:54:00:00:00:01", state: .bound,
            expiresAt: UInt64(Date().timeIntervalSince1970) + 600, hostname: hostile)
        let key = String(decoding: LeaseRecord.key(lease.address), as: UTF8.self)
        #expect(m.cli("kv", "put", key, String(decoding: LeaseRecord.encode(lease), as: UTF8.self)).code == 0)
        let table = m.cli("dhcp", "leases").stdout
        let controls = table.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E }
        #expect(controls.isEmpty, "\(controls.map { String($0.value, radix: 16) })")
        #expect(table.contains(#"\x1b]0;pwned\x07\x1b[2J\u{009b}31mred\x7f\u{202e}txt.exe\\x1b"#), "\(table)")
        let json = m.cli("dhcp", "leases", "-o", "json").stdout
        let rows = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.first?["hostname"] as? String == hostile)
    }

    @Test("The leader's sweep deletes an offer whose hold ended, keeps a live lease and, for one lease time, an expired one; the sweep settings change that")
    func leaderSweep() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-sweep")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let now = UInt64(Date().timeIntervalSince1970)
        let lapsed = DHCPLease(address: 0x7F00_0528, mac: "52:54:00:00:00:01", state: .offered, expiresAt: now - 100)
        let live = DHCPLease(address: 0x7F00_0529, mac: "52:54:00:00:00:02", state: .bound, expiresAt: now + 3600)
        let expired = DHCPLease(address: 0x7F00_052A, mac: "52:54:00:00:00:03", state: .bound, expiresAt: now - 100)
        for l in [lapsed, live, expired] {
            let key = String(decoding: LeaseRecord.key(l.address), as: UTF8.self)
            #expect(m.cli("kv", "put", key, String(decoding: LeaseRecord.encode(l), as: UTF8.self)).code == 0)
        }
        func addresses() -> [String] {
            let rows = (try? JSONSerialization.jsonObject(with: Data(m.cli("dhcp", "leases", "-o", "json").stdout.utf8))) as? [[String: Any]]
            return (rows ?? []).compactMap { $0["address"] as? String }
        }
        #expect(addresses().contains("127.0.5.40"))
        try await poll("the sweep (every 10 s) to delete the lapsed offer", seconds: 60) { addresses() == ["127.0.5.41", "127.0.5.42"] }

        // No retention and a sweep every second: the expired lease goes within seconds.
        let settings = root + "/sweep.yaml"
        try "sweep-interval-seconds: 1\nexpired-retention-seconds: 0\n".write(toFile: settings, atomically: true, encoding: .utf8)
        let set = m.cli("dhcp", "set", settings)
        #expect(set.code == 0, "\(set.stderr)")
        let start = Date()
        try await poll("the sweep to delete the expired lease without retention", seconds: 60) { addresses() == ["127.0.5.41"] }
        #expect(Date().timeIntervalSince(start) < 9, "the sweep did not follow sweep-interval-seconds: 1")
    }

    @Test(
        "The daemon answers a relayed DISCOVER and REQUEST from the rack's IPAM range, with the settings and boot URL",
        .enabled(if: getuid() == 0, "needs root: the relay's socket is on port 67"))
    func relayedExchange() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-exchange")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let rack = UInt32.random(in: 10...250)
        let relay = 0x7F00_0001 | rack << 8
        let socket = try RelaySocket(address: relay)
        defer { socket.close() }
        let settings = root + "/dhcp.yaml"
        try "lease-seconds: 600\ndns-servers: [10.9.8.7]\n".write(toFile: settings, atomically: true, encoding: .utf8)
        #expect(m.cli("dhcp", "set", settings).code == 0)

        let mac: [UInt8] = [0x52, 0x54, 0, 0x12, 0x34, UInt8(rack)]
        var discover = DHCPMessage(op: 1, xid: 0xC0FFEE, chaddr: mac)
        discover.giaddr = relay
        discover.setOption(.messageType, [DHCPMessageType.discover.rawValue])
        discover.setOption(.userClass, Array("iPXE".utf8))
        // Polls until the member serves with the settings: its watch follows the store.
        var offer: DHCPMessage?
        try await poll("an OFFER carrying the DNS server from kiban dhcp set", seconds: 60) {
            offer = try socket.exchange(discover, to: UInt16(m.dhcpPort))
            return offer?.option(.domainNameServer) == [10, 9, 8, 7]
        }
        let o = try #require(offer)
        #expect(o.messageType == .offer && o.xid == 0xC0FFEE)
        #expect((relay + 31...relay + 253).contains(o.yiaddr))
        #expect(o.serverIdentifier == 0x7F00_0001)
        #expect(String(decoding: o.file.prefix { $0 != 0 }, as: UTF8.self) == "http://127.0.0.1:\(m.httpPort)/boot/ipxe")
        #expect(o.option(.leaseTime) == [0, 0, 2, 0x58])

        var request = Self.selecting(xid: 0xC0FFEF, mac: mac, relay: relay, address: o.yiaddr)
        request.setOption(.hostName, Array("test-node".utf8))
        let ack = try #require(try socket.exchange(request, to: UInt16(m.dhcpPort)))
        #expect(ack.messageType == .ack && ack.yiaddr == o.yiaddr)

        let listed = m.cli("dhcp", "leases", "--rack", "\(rack)", "-o", "json")
        let rows = (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.count == 1)
        #expect(rows.first?["mac"] as? String == macString(mac) && rows.first?["state"] as? String == "bound")
        #expect(rows.first?["hostname"] as? String == "test-node")
        let status = m.cli("dhcp", "status", "-o", "json").json
        #expect(status["serving"] as? Bool == true)
        #expect((status["replied"] as? [String: Int])?["ack"] == 1)
    }
}

extension DHCPDaemonTests {
    @Test(
        "Only listed relays are answered, a REQUEST without an offer is NAKed, and kiban dhcp status counts the refusals",
        .enabled(if: getuid() == 0, "needs root: the relay's socket is on port 67"))
    func relayListAndOffers() async throws {
        let (m, cluster, root) = try await Self.member("kiban-dhcp-relays")
        defer {
            cluster.stopAll()
            try? FileManager.default.removeItem(atPath: root)
        }
        let rack = UInt32.random(in: 10...120)
        let listed = 0x7F00_0001 | rack << 8
        let unlisted = 0x7F00_0001 | (rack + 100) << 8
        let settings = root + "/dhcp.yaml"
        try "relays: [\(dottedQuad(listed))]\n".write(toFile: settings, atomically: true, encoding: .utf8)
        #expect(m.cli("dhcp", "set", settings).code == 0)
        let good = try RelaySocket(address: listed)
        let bad = try RelaySocket(address: unlisted)
        defer {
            good.close()
            bad.close()
        }
        func discover(_ relay: UInt32, mac: UInt8) -> DHCPMessage {
            var d = DHCPMessage(op: 1, xid: 0xD15C0 + UInt32(mac), chaddr: [0x52, 0x54, 0, 0x56, 0x78, mac])
            d.giaddr = relay
            d.setOption(.messageType, [DHCPMessageType.discover.rawValue])
            return d
        }
        func dropped(_ reason: String) -> Int {
            ((m.cli("dhcp", "status", "-o", "json").json["dropped"] as? [String: Int]) ?? [:])[reason] ?? 0
        }
        // Once the member follows the settings, the unlisted relay gets nothing and is counted.
        try await poll("a DISCOVER from an unlisted relay dropped as relay_not_allowed", seconds: 60) {
            let answer = try bad.exchange(discover(unlisted, mac: 1), to: UInt16(m.dhcpPort))
            #expect(answer == nil)
            return dropped("relay_not_allowed") > 0
        }
        #expect(try good.exchange(discover(listed, mac: 2), to: UInt16(m.dhcpPort))?.messageType == .offer)
        #expect(m.cli("dhcp", "status").stdout.contains("dropped relay_not_allowed"))

        // A SELECTING REQUEST naming this server, for an address nobody offered this client.
        let request = Self.selecting(xid: 0x5E1EC7, mac: [0x52, 0x54, 0, 0x56, 0x78, 3], relay: listed, address: listed + 40)
        #expect(try good.exchange(request, to: UInt16(m.dhcpPort))?.messageType == .nak)
        let leases = m.cli("dhcp", "leases", "-o", "json").stdout
        #expect(!leases.contains("52:54:00:56:78:03"), "\(leases)")
    }

    /// A SELECTING REQUEST through `relay` for `address`, naming 127.0.0.1 as the chosen server.
    static func selecting(xid: UInt32, mac: [UInt8], relay: UInt32, address: UInt32) -> DHCPMessage {
        var r = DHCPMessage(op: 1, xid: xid, chaddr: mac)
        r.giaddr = relay
        r.setOption(.messageType, [DHCPMessageType.request.rawValue])
        r.setOption(.serverIdentifier, [127, 0, 0, 1])
        r.setOption(.requestedIPAddress, [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: address >> UInt32($0)) })
        return r
    }
}

/// A relay agent's socket on `address`:67 (root), sending to the daemon on 127.0.0.1.
struct RelaySocket {
    let fd: Int32

    init(address: UInt32) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sin = Self.endpoint(address, port: 67)
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw TestFailure("bind \(address):67: errno \(errno)")
        }
    }

    static func endpoint(_ address: UInt32, port: UInt16) -> sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address.bigEndian
        return sin
    }

    /// Sends `m` to 127.0.0.1:`port` and returns the reply with the same xid, or nil after 2 s.
    func exchange(_ m: DHCPMessage, to port: UInt16) throws -> DHCPMessage? {
        var to = Self.endpoint(0x7F00_0001, port: port)
        let bytes = m.bytes
        let sent = withUnsafePointer(to: &to) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == bytes.count else { throw TestFailure("sendto: errno \(errno)") }
        var buffer = [UInt8](repeating: 0, count: 1500)
        for _ in 0..<8 {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            if let reply = try? DHCPMessage(bytes: Array(buffer[..<n])), reply.xid == m.xid { return reply }
        }
        return nil
    }

    func close() { Glibc.close(fd) }
}
