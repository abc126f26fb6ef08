import Foundation
import KibanAdminAPI
import KibanTestSupport
import Testing

/// Every admin field that becomes an integer, fed numbers of every size: the daemon answers
/// each with 2xx or a 4xx naming the field, and never traps (a trap kills the process and every
/// later request is refused).
@Suite("Admin API numeric input (seeded fuzz)")
struct AdminNumericFuzzTests {
    /// Numbers as JSON text: edges of every integer type, past them, fractions, exponents.
    static let edges = [
        "0", "-0", "1", "-1", "0.5", "-0.5", "1.5", "255", "256", "65535", "65536", "4294967295", "4294967296",
        "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "99999999999999999999999999999", "1e15", "8.64e19", "1e308", "-1e308", "1e400", "-1e400", "1e-400",
        "3.0e2", "1E3", "1e15d", "\"12\"", "null", "true", "[1]", "{}",
    ]

    /// Places a number goes: (method, path, body), with `N` in the body and `Q` in the path
    /// replaced by the number; a `then` path is read after it (where the stored number is used).
    static let targets: [(String, String, String, then: String?)] = [
        ("POST", "/v1/tokens", #"{"name": "fz", "ttlSeconds": N}"#, then: nil),
        ("POST", "/v1/compact", #"{"revision": N}"#, then: nil),
        ("PUT", "/v1/kv", #"{"key": "fz", "value": "v", "expectModRevision": N}"#, then: nil),
        ("POST", "/v1/txn", #"{"compare": [{"key": "fz", "op": "<", "modRevision": N}], "success": [{"put": {"key": "fz", "value": "t"}}]}"#, then: nil),
        ("POST", "/v1/txn", #"{"compare": [{"key": "fz", "version": N}], "success": [{"get": {"key": "fz"}}]}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"lease-seconds": N}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"sweep-interval-seconds": N}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"expired-retention-seconds": N}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"relay-offers-per-second": N, "relay-offer-burst": N}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"client-offers-per-minute": N, "client-offer-burst": N}"#, then: nil),
        ("PUT", "/v1/dhcp/settings", #"{"extra-options": [{"code": N, "text": "x"}]}"#, then: nil),
        ("PUT", "/v1/image-settings", #"{"kept": N}"#, then: nil),
        ("PUT", "/v1/logs/retention", #"{"seconds": N}"#, then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "max-nodes-in-rack"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "node-ip-per-node"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "node-index-offset"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "node-gateway-offset"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "node-ipv4-range-size"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "bmc-ipv4-range-mask"), then: nil),
        ("PUT", "/v1/ipam", Self.ipam(replacing: "bmc-ipv4-gateway-offset"), then: nil),
        ("POST", "/v1/machines", #"[{"serial": "FZ1", "rack": N, "role": "cs", "bmc": {"type": "IPMI-2.0"}}]"#, then: nil),
        ("GET", "/v1/machines?rack=Q", "", then: nil),
        ("GET", "/v1/dhcp/leases?rack=Q", "", then: nil),
        ("DELETE", "/v1/templates/fz?version=Q", "", then: nil),
        (
            "PUT", "/v1/kv",
            #"{"key": "dhcp/leases/0a450001", "value": "{\"address\": \"10.69.0.1\", \"mac\": \"52:54:00:00:00:01\", \"state\": \"bound\", \"expiresAt\": N}"}"#,
            then: "/v1/dhcp/leases"
        ),
    ]

    /// sabakan's IPAM example with `field` set to `N`.
    static func ipam(replacing field: String) -> String {
        var values: [String: String] = [
            "max-nodes-in-rack": "28", "node-ipv4-pool": "\"10.69.0.0/16\"", "node-ipv4-range-size": "6",
            "node-ipv4-range-mask": "26", "node-ip-per-node": "3", "node-index-offset": "3", "node-gateway-offset": "1",
            "bmc-ipv4-pool": "\"10.72.16.0/20\"", "bmc-ipv4-offset": "\"0.0.1.0\"", "bmc-ipv4-range-size": "5",
            "bmc-ipv4-range-mask": "20", "bmc-ipv4-gateway-offset": "1",
        ]
        values[field] = "N"
        return "{" + values.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }

    /// An edge, or a random integer or float of random size and sign.
    static func number(_ random: inout SeededRandom) -> String {
        switch random.next() % 4 {
        case 0, 1: return edges[Int(random.next() % UInt64(edges.count))]
        case 2:
            let digits = 1 + Int(random.next() % 30)
            let text = String((0..<digits).map { _ in Character(String(random.next() % 10)) })
            return (random.next() % 2 == 0 ? "-" : "") + text
        default:
            return "\(random.next() % 2 == 0 ? "-" : "")\(random.next() % 1000).\(random.next() % 1000)e\(Int(random.next() % 700) - 350)"
        }
    }

    @Test("Numbers of every size in every numeric admin field get 2xx or 400/404/409, never a trap (seed printed; KIBAN_FUZZ_SEED replays)")
    func numericFields() async throws {
        let seed = SeededRandom.forTest("AdminNumericFuzzTests").seed
        let rounds = ProcessInfo.processInfo.environment["KIBAN_FUZZ_ROUNDS"].flatMap(Int.init) ?? 400
        try await DaemonTestSupport.withMember("numfuzz") { member, _ in
            let failures = try await onOwnThread { Self.run(socket: member.socket, seed: seed, rounds: rounds) }
            #expect(failures.isEmpty, "seed \(seed): \(failures.prefix(10).joined(separator: "\n"))")
            let alive = AdminClient(socketPath: member.socket, answerSecondsMax: 5).exchange("GET", "/v1/status")
            guard case .answered(200, _) = alive else {
                Issue.record("seed \(seed): the daemon does not answer after the fuzz: \(alive)")
                return
            }
        }
    }

    /// Every target with every edge once, then `rounds` random choices; the requests whose
    /// answer was not 2xx/400/404/409.
    static func run(socket: String, seed: UInt64, rounds: Int) -> [String] {
        var random = SeededRandom(seed: seed)
        var cases: [(target: Int, number: String)] = []
        for target in targets.indices {
            for n in edges { cases.append((target, n)) }
        }
        for _ in 0..<rounds { cases.append((Int(random.next() % UInt64(targets.count)), number(&random))) }
        let connection = AdminClient(socketPath: socket, answerSecondsMax: 5)
        var failures: [String] = []
        for (index, n) in cases {
            let (method, path, body, then) = targets[index]
            let query = n.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? n
            let target = path.replacingOccurrences(of: "Q", with: query)
            var outcomes = [connection.exchange(method, target, body: Data(body.replacingOccurrences(of: "N", with: n).utf8))]
            if let then { outcomes.append(connection.exchange("GET", then, body: Data())) }
            for outcome in outcomes {
                if case .answered(let status, _) = outcome, (200..<300).contains(status) || [400, 404, 409].contains(status) { continue }
                failures.append("\(method) \(target) with \(n): \(outcome)")
            }
            if failures.count >= 10 { break }
        }
        return failures
    }
}
