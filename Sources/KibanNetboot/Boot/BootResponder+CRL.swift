public import KibanIO

/// Certificate revocation lists on the boot port: `/ca/<issuer>.crl` (DER,
/// `application/pkix-crl`), from the view, so relying parties fetch them from any member
/// without the admin socket (docs/pki.md).
extension BootResponder {
    /// The answer to `head` (a path under `/ca`).
    public func respondCRL(_ head: HTTPRequestHead, snapshot: BootSnapshot) -> HTTPResponse {
        let s = head.pathSegments
        guard s.count == 2, s[1].hasSuffix(".crl"), let der = snapshot.crls[String(s[1].dropLast(4))] else {
            return .error(.notFound)
        }
        return HTTPResponse(contentType: "application/pkix-crl", body: der)
    }
}
