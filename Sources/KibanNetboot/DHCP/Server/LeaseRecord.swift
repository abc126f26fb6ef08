import Foundation

/// How leases are stored: one key per address under ``prefix`` (docs/schema.md, "DHCP leases").
/// The key ends in the address as 8 lowercase hex digits, so keys sort in address order and a
/// rack's leases are one key range.
public enum LeaseRecord {
    /// The prefix of every lease key.
    public static let prefix: [UInt8] = Array("dhcp/leases/".utf8)

    /// The key of an address's lease: `dhcp/leases/c6120120` for 198.18.1.32.
    public static func key(_ address: UInt32) -> [UInt8] {
        let hex = String(address, radix: 16)
        return prefix + Array((String(repeating: "0", count: 8 - hex.count) + hex).utf8)
    }

    /// The address a lease key names, or nil for a key that is not one.
    public static func address(ofKey key: [UInt8]) -> UInt32? {
        guard key.count == prefix.count + 8, key.starts(with: prefix) else { return nil }
        return UInt32(String(decoding: key[prefix.count...], as: UTF8.self), radix: 16)
    }

    /// The stored value: JSON, with the address in dotted-quad form for operators reading it.
    struct Value: Codable {
        var address: String
        var mac: String
        var state: DHCPLease.State
        var expiresAt: UInt64
        var hostname: String?
    }

    /// Encodes a lease as its stored value: the JSON of ``Value``, written by hand because it
    /// runs for every lease change (a `JSONEncoder` per lease cost more than the rest of the
    /// decision).
    public static func encode(_ lease: DHCPLease) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(112)
        out += #"{"address":""#.utf8
        out += dottedQuad(lease.address).utf8
        out += #"","expiresAt":"#.utf8
        out += String(lease.expiresAt).utf8
        if let hostname = lease.hostname {
            out += #","hostname":"#.utf8
            appendJSONString(hostname, to: &out)
        }
        out += #","mac":"#.utf8
        appendJSONString(lease.mac, to: &out)
        out += #","state":""#.utf8
        out += lease.state.rawValue.utf8
        out += #""}"#.utf8
        return out
    }

    /// A JSON string literal (RFC 8259 §7): quote, backslash and control characters escaped.
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// One decoder for every lease the watch delivers (JSONDecoder is thread-safe).
    private static let decoder = JSONDecoder()

    /// Decodes a stored value; nil when it is not a lease (written by a newer Kiban, or damaged).
    public static func decode(_ bytes: [UInt8]) -> DHCPLease? {
        guard let v = try? decoder.decode(Value.self, from: Data(bytes)),
            let address = parseDottedQuad(v.address)
        else { return nil }
        return DHCPLease(address: address, mac: v.mac, state: v.state, expiresAt: v.expiresAt, hostname: v.hostname)
    }
}

/// Parses `a.b.c.d` into a number; nil for anything else.
public func parseDottedQuad(_ text: String) -> UInt32? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    var value: UInt32 = 0
    for p in parts {
        guard p.count <= 3, let octet = UInt8(p) else { return nil }
        value = value << 8 | UInt32(octet)
    }
    return value
}
