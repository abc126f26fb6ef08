/// The PKI's key schema in the store (docs/schema.md, "PKI"). Everything lives under
/// `/kiban/`, which the generic kv, txn and watch API can neither read nor write.
enum PKIKeys {
    /// The cluster root written by `kiban init`: its certificate and sealed key. The PKI calls
    /// it issuer ``rootIssuer``.
    static let clusterRoot = key("/kiban/ca")
    /// The name of the cluster root among the issuers.
    static let rootIssuer = "root"
    /// Everything below is under this prefix.
    static let prefix = "/kiban/pki/"
    /// Named issuers: `/kiban/pki/issuers/<name>` (``IssuerRecord``).
    static let issuers = "/kiban/pki/issuers/"
    /// Roles: `/kiban/pki/roles/<name>` (``Role``).
    static let roles = "/kiban/pki/roles/"
    /// The certificate inventory: `/kiban/pki/certs/<issuer>/<serial hex>` (``CertificateRecord``).
    static let certs = "/kiban/pki/certs/"
    /// Which issuer a serial belongs to: `/kiban/pki/serials/<serial hex>` → issuer name.
    static let serials = "/kiban/pki/serials/"
    /// Audit records before the one audit log (`/kiban/pki/audit/<YYYYMMDD>/<unix ms, 16
    /// hex>/<action>/<subject>`); read only to move them into ``AuditLog``.
    static let audit = "/kiban/pki/audit/"

    static func key(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func issuer(_ name: String) -> [UInt8] { key(issuers + name) }
    static func role(_ name: String) -> [UInt8] { key(roles + name) }
    static func cert(issuer: String, serial: String) -> [UInt8] { key("\(certs)\(issuer)/\(serial)") }
    static func serial(_ serial: String) -> [UInt8] { key(serials + serial) }

    /// Whether `name` can name an issuer or role: 1–64 of `a-z 0-9 - _ .`, starting with a
    /// letter or digit (it ends a store key and appears in URLs and file names).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64 else { return false }
        let allowed = { (c: Unicode.Scalar) in ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "_" || c == "." }
        return allowed(first) && first != "." && first != "-" && first != "_" && name.unicodeScalars.allSatisfy(allowed)
    }
}
