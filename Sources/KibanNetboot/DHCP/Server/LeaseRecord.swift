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
    }

    /// Encodes a lease as its stored value.
    public static func encode(_ lease: DHCPLease) -> [UInt8] {
        let v = Value(address: dottedQuad(lease.address), mac: lease.mac, state: lease.state, expiresAt: lease.expiresAt)
        // Encoding a struct of strings and integers cannot fail.
        return (try? Array(JSONEncoder().encode(v))) ?? []
    }

    /// Decodes a stored value; nil when it is not a lease (written by a newer Kiban, or damaged).
    public static func decode(_ bytes: [UInt8]) -> DHCPLease? {
        guard let v = try? JSONDecoder().decode(Value.self, from: Data(bytes)),
              let address = parseDottedQuad(v.address) else { return nil }
        return DHCPLease(address: address, mac: v.mac, state: v.state, expiresAt: v.expiresAt)
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
