import Foundation

/// The names a certificate carries, sorted by kind: the common name, DNS names, IP addresses
/// and URIs.
struct SubjectNames: Sendable, Hashable {
    var commonName: String
    var dnsNames: [String] = []
    /// 4 or 16 bytes each, with their text.
    var ipAddresses: [(text: String, bytes: [UInt8])] = []
    var uris: [String] = []

    /// Sorts `sans` by kind: an IP address if it parses as one, a URI if it has `://`, else a
    /// DNS name (lowercased).
    init(commonName: String, sans: [String]) {
        self.commonName = commonName
        for san in sans {
            if let bytes = Self.ipBytes(san) {
                ipAddresses.append((san, bytes))
            } else if san.contains("://") {
                uris.append(san)
            } else {
                dnsNames.append(san.lowercased())
            }
        }
    }

    /// Every SAN as text, in certificate order (DNS, IP, URI).
    var sanTexts: [String] { dnsNames + ipAddresses.map(\.text) + uris }

    /// IPv4 or IPv6 bytes of `text`, or nil.
    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    static func == (a: SubjectNames, b: SubjectNames) -> Bool {
        a.commonName == b.commonName && a.dnsNames == b.dnsNames && a.uris == b.uris
            && a.ipAddresses.map(\.bytes) == b.ipAddresses.map(\.bytes)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(commonName)
        hasher.combine(dnsNames)
        hasher.combine(uris)
    }
}
