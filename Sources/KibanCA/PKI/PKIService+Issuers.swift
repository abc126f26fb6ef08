import Foundation
import KibanStore
import X509

/// Issuers: create, list, show, rotate.
extension PKIService {
    /// Creates issuer `name`: an intermediate signed by `parent` (`root` is the cluster root),
    /// or a separate self-signed root when `parent` is nil. Its key is generated here, sealed,
    /// and never returned. A root may sign one level of intermediates; an intermediate signs
    /// end-entity certificates only.
    /// - Throws: ``CAError`` `invalidInput` (name), `conflict` (taken), `notFound` (parent),
    ///   `forbidden` (the parent may not sign CAs).
    public func createIssuer(
        _ name: String, parent: String?, ttlSeconds: Double? = nil, keyType: KeyType = .p256,
        by actor: Requester
    ) async throws -> IssuerView {
        try Self.checkName(name, "an issuer")
        guard name != PKIKeys.rootIssuer else {
            throw CAError(.conflict, "root is the cluster root; choose another name")
        }
        let now = self.now()
        let parentSigner = try await parent.asyncMap { p in try await signer(p) }
        if let parentSigner { try Self.checkMaySignCAs(parentSigner) }
        let ttl = ttlSeconds ?? (parent == nil ? rootTTLSeconds : intermediateTTLSeconds)
        guard ttl > 0 else { throw CAError(.invalidInput, "--ttl must be positive") }
        let key = try KeyMaterial.generate(keyType)
        let subject = try Self.issuerSubject(name, generation: 1)
        let certificate = try IssuerCertificates.build(
            subject: subject, key: key, signer: parentSigner,
            pathLength: parent == nil ? 1 : 0, now: now, ttl: ttl)
        let generation = IssuerGeneration(
            number: 1, certificatePEM: certificate.pem, crossSignedPEM: nil,
            chainPEM: parentSigner.map { [$0.certificate.pem] + $0.chain.map(\.pem) } ?? [],
            sealedKey: try SealedKey.seal(key.sealedBytes, purpose: Self.sealPurpose(name), with: kek),
            serial: certificate.serialHex, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
        let record = IssuerRecord(name: name, parent: parent, keyType: keyType, ttlSeconds: ttl, generations: [generation])
        let result = try await store.txn(
            Txn(
                compares: [Compare(PKIKeys.issuer(name), .equal, .version(0))],
                success: [
                    .put(key: PKIKeys.issuer(name), value: try encode(record), lease: 0),
                    try auditPut(
                        "issuer-create", name, detail: "\(parent.map { "intermediate of \($0)" } ?? "root"), \(keyType.rawValue), serial \(generation.serial)",
                        by: actor, at: now),
                ]))
        guard result.succeeded else { throw CAError(.conflict, "an issuer named \(name) exists already; see kiban ca issuers show \(name)") }
        return view(record)
    }

    /// Rotates issuer `name`: a new key and certificate (generation n+1) that overlaps the
    /// old one. An intermediate's new certificate is signed by its parent's active key; a
    /// root's is self-signed **and cross-signed** by the old key, so that relying parties that
    /// trust only the old root accept certificates of the new key through the cross-signed
    /// certificate. The old generation is retired: it signs no new certificates, but stays in
    /// the record, valid until it expires, and keeps publishing its CRL.
    /// - Throws: ``CAError`` `notFound`, `invalidInput` (the cluster root: rotate it by
    ///   creating a new root issuer, docs/pki.md), `conflict`.
    public func rotateIssuer(_ name: String, by actor: Requester) async throws -> IssuerView {
        guard name != PKIKeys.rootIssuer else {
            throw CAError(
                .invalidInput,
                "the cluster root (root) also signs member certificates and is pinned by join tokens; it is not rotated here (docs/pki.md, Rotation)")
        }
        for _ in 0..<attemptsMax {
            guard let (record, revision) = try await issuerRecord(name), let last = record.generations.last else { throw noIssuer(name) }
            let now = self.now()
            let old = try open(record, last)
            let parentSigner = try await record.parent.asyncMap { p in try await signer(p) }
            let key = try KeyMaterial.generate(record.keyType)
            let subject = try Self.issuerSubject(name, generation: last.number + 1)
            let pathLength = record.parent == nil ? 1 : 0
            let certificate = try IssuerCertificates.build(
                subject: subject, key: key, signer: parentSigner, pathLength: pathLength,
                now: now, ttl: record.ttlSeconds)
            let cross =
                record.parent == nil
                ? try IssuerCertificates.build(subject: subject, key: key, signer: old, pathLength: pathLength, now: now, ttl: record.ttlSeconds)
                : nil
            var updated = record
            updated.generations[updated.generations.count - 1].retiredAt = now
            updated.generations.append(
                IssuerGeneration(
                    number: last.number + 1, certificatePEM: certificate.pem, crossSignedPEM: cross?.pem,
                    chainPEM: parentSigner.map { [$0.certificate.pem] + $0.chain.map(\.pem) } ?? [],
                    sealedKey: try SealedKey.seal(key.sealedBytes, purpose: Self.sealPurpose(name), with: kek),
                    serial: certificate.serialHex, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter))
            let result = try await store.txn(
                Txn(
                    compares: [Compare(PKIKeys.issuer(name), .equal, .modRevision(revision))],
                    success: [
                        .put(key: PKIKeys.issuer(name), value: try encode(updated), lease: 0),
                        try auditPut(
                            "issuer-rotate", "\(name)/g\(last.number + 1)", detail: "generation \(last.number + 1), serial \(certificate.serialHex)", by: actor,
                            at: now),
                    ]))
            if result.succeeded { return view(updated) }
        }
        throw lostRaces("rotating issuer \(name)")
    }

    /// Every issuer, the cluster root first, then by name.
    public func issuers() async throws -> [IssuerView] {
        let read = try await store.range(.prefix(PKIKeys.key(PKIKeys.issuers)))
        var views = [try await rootView()]
        for kv in read.kvs { views.append(view(try decode(IssuerRecord.self, kv.value, what: "an issuer"))) }
        return views
    }

    /// One issuer.
    /// - Throws: ``CAError`` `notFound`.
    public func issuer(_ name: String) async throws -> IssuerView {
        if name == PKIKeys.rootIssuer { return try await rootView() }
        guard let (record, _) = try await issuerRecord(name) else { throw noIssuer(name) }
        return view(record)
    }

    static func issuerSubject(_ name: String, generation: Int) throws(CAError) -> DistinguishedName {
        do { return try IssuerCertificates.subject(name: name, generation: generation) } catch {
            throw CAError(.internal, "cannot build the name of issuer \(name): \(error)")
        }
    }

    /// Refuses a parent whose path length forbids a CA below it.
    static func checkMaySignCAs(_ parent: Signer) throws(CAError) {
        switch parent.pathLength {
        case .some(.some(let length)) where length <= 0:
            throw CAError(
                .forbidden,
                "issuer \(parent.name) may only sign end-entity certificates (its certificate says pathlen 0); use a root issuer as the parent, or create a separate root (no --parent)"
            )
        case .none: throw CAError(.forbidden, "issuer \(parent.name) is not a CA")
        default: return
        }
    }
}

extension Optional {
    /// `map` with an async transform.
    package func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
