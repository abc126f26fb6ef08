import Foundation
import KibanStore
import X509

/// Issuance: `issue` (the CA generates the key) and `sign` (a CSR; the key never leaves the
/// requester). Both check the role (``RolePolicy``), record the certificate in the inventory
/// and write an audit record, in one transaction.
extension PKIService {
    /// Issues a certificate with a key the CA generates under role `role` for `requester`.
    /// The key is in the answer only.
    /// - Throws: ``CAError`` `notFound` (role, issuer), `forbidden` listing every rule the
    ///   request breaks.
    public func issue(role name: String, request: IssueRequest, requester: Requester) async throws -> IssuedCertificate {
        let role = try await self.role(name)
        let names = SubjectNames(commonName: request.commonName, sans: request.sans)
        let keyType = request.keyType ?? role.keyTypes.first ?? .p256
        let ttl = request.ttlSeconds ?? role.maxTTLSeconds
        try check(RolePolicy.Ask(names: names, keyType: keyType, ttlSeconds: ttl, generatedKey: true), role: role, name: name, requester: requester)
        let key = try KeyMaterial.generate(keyType)
        return try await issue(
            names: names, publicKey: key.publicKey, keyType: keyType, ttl: ttl, role: role, roleName: name,
            requester: requester, privateKeyPEM: key.pem)
    }

    /// Signs the certificate signing request `csrPEM` under role `role` for `requester`,
    /// after checking the CSR's signature. Names come from the CSR (subject common name and
    /// requested SANs) unless `request` gives a common name or SANs; the lifetime from
    /// `request`, else the role's `max_ttl`.
    /// - Throws: ``CAError`` `invalidRequest` (CSR), `notFound`, `forbidden`.
    public func sign(role name: String, csrPEM: String, request: IssueRequest? = nil, requester: Requester) async throws -> IssuedCertificate {
        let role = try await self.role(name)
        let csr = try Self.checkedCSR(csrPEM)
        guard let keyType = KeyType(csr.publicKey) else {
            throw CAError(
                .forbidden, "role \(name) refuses this request",
                problems: ["key_types: the CSR's key (\(csr.publicKey)) is none of \(KeyType.names)"])
        }
        let requested = Self.requestedSANs(csr)
        let csrSANs = requested.compactMap(Self.text)
        guard request?.sans.isEmpty == false || csrSANs.count == requested.count else {
            throw CAError(
                .forbidden, "role \(name) refuses this request",
                problems: [
                    "the CSR asks for SANs other than DNS names, IP addresses and URIs, which this PKI does not issue; leave them out or name the SANs with --san"
                ])
        }
        let commonName = request.map(\.commonName).flatMap { $0.isEmpty ? nil : $0 } ?? csr.subject.commonName
        let sans = request.map(\.sans).flatMap { $0.isEmpty ? nil : $0 } ?? csrSANs
        let names = SubjectNames(commonName: commonName, sans: sans)
        let ttl = request?.ttlSeconds ?? role.maxTTLSeconds
        try check(RolePolicy.Ask(names: names, keyType: keyType, ttlSeconds: ttl, generatedKey: false), role: role, name: name, requester: requester)
        return try await issue(
            names: names, publicKey: csr.publicKey, keyType: keyType, ttl: ttl, role: role, roleName: name,
            requester: requester, privateKeyPEM: nil)
    }

    private func check(_ ask: RolePolicy.Ask, role: Role, name: String, requester: Requester) throws(CAError) {
        let refusals = RolePolicy.refusals(ask, role: role, requester: requester)
        guard refusals.isEmpty else { throw CAError(.forbidden, "role \(name) refuses this request", problems: refusals) }
    }

    private func issue(
        names: SubjectNames, publicKey: Certificate.PublicKey, keyType: KeyType, ttl: TimeInterval, role: Role,
        roleName: String, requester: Requester, privateKeyPEM: String?
    ) async throws -> IssuedCertificate {
        let now = self.now()
        let signer = try await self.signer(role.issuer)
        guard now + ttl <= signer.certificate.notValidAfter else {
            throw CAError(
                .forbidden,
                "issuer \(role.issuer) expires at \(signer.certificate.notValidAfter), before this certificate would; ask for a shorter --ttl or rotate the issuer"
            )
        }
        let certificate = try LeafCertificates.build(names: names, publicKey: publicKey, role: role, signer: signer, now: now, ttl: ttl)
        let record = CertificateRecord(
            serial: certificate.serialHex, issuer: role.issuer, issuerGeneration: signer.generation, role: roleName,
            commonName: names.commonName, sans: names.sanTexts, keyType: keyType, notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter, requester: requester.description, generatedKey: privateKeyPEM != nil,
            revocation: nil, certificatePEM: certificate.pem)
        let certKey = PKIKeys.cert(issuer: role.issuer, serial: record.serial)
        let result = try await store.txn(
            Txn(
                compares: [Compare(certKey, .equal, .version(0))],
                success: [
                    .put(key: certKey, value: try encode(record), lease: 0),
                    .put(key: PKIKeys.serial(record.serial), value: Array(role.issuer.utf8), lease: 0),
                    try auditPut(
                        privateKeyPEM == nil ? "sign" : "issue", record.serial,
                        detail: "role \(roleName), issuer \(role.issuer), \(names.commonName) [\(record.sans.joined(separator: ", "))]",
                        by: requester, at: now),
                ]))
        guard result.succeeded else { throw CAError(.conflict, "serial \(record.serial) is taken (a random 20-byte serial collided); retry") }
        return IssuedCertificate(
            record: record, certificatePEM: record.certificatePEM,
            chainPEM: [signer.certificate.pem] + signer.chain.map(\.pem), privateKeyPEM: privateKeyPEM)
    }

    /// Checks that `pem` is a CSR whose signature matches its key, before anything is spent on
    /// it (a node token).
    /// - Throws: ``CAError`` `invalidRequest`.
    public static func checkCSR(_ pem: String) throws(CAError) {
        _ = try checkedCSR(pem)
    }

    /// The CSR, after checking that its signature matches its key (the requester holds the key).
    static func checkedCSR(_ pem: String) throws(CAError) -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(pemEncoded: pem) } catch {
            throw CAError(.invalidRequest, "the certificate signing request is not valid PEM (openssl req -new makes one)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CAError(.invalidRequest, "the certificate signing request's signature does not match its key")
        }
        return csr
    }

    /// The SANs a CSR asks for in its extension request (none when it has none or it does not parse).
    static func requestedSANs(_ csr: CertificateSigningRequest) -> [GeneralName] {
        do { return Array(try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames ?? SubjectAlternativeNames()) } catch {
            return []
        }
    }

    /// A SAN as text: DNS names, IP addresses and URIs; nil for other kinds (`sign` refuses
    /// CSRs that ask for them).
    static func text(_ name: GeneralName) -> String? {
        switch name {
        case .dnsName(let dns): return dns
        case .uniformResourceIdentifier(let uri): return uri
        case .ipAddress(let octets):
            let bytes = Array(octets.bytes)
            if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
            guard bytes.count == 16 else { return nil }
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        default: return nil
        }
    }
}
