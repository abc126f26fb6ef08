import Foundation
import KibanStore
import X509

/// `/kiban/ca` as `kiban init` writes it: the cluster root's certificate and sealed key.
struct ClusterRootRecord: Codable, Sendable {
    var certificatePEM: String
    var sealedKey: SealedKey?
}

/// Opening issuers: the record, the generation, the sealed key.
extension PKIService {
    /// The issuer `name` ready to sign with generation `generation` (nil: the active one).
    /// - Throws: ``CAError`` `notFound`, `invalidKey` (wrong KEK), `unsupported`.
    func signer(_ name: String, generation: Int? = nil) async throws -> Signer {
        if name == PKIKeys.rootIssuer {
            guard generation == nil || generation == 1 else { throw noGeneration(name, generation) }
            return try await rootSigner()
        }
        guard let (record, _) = try await issuerRecord(name) else { throw noIssuer(name) }
        let chosen = generation.flatMap { g in record.generations.first { $0.number == g } } ?? record.generations.last
        guard let chosen, generation == nil || chosen.number == generation else { throw noGeneration(name, generation) }
        return try open(record, chosen)
    }

    func open(_ record: IssuerRecord, _ generation: IssuerGeneration) throws(CAError) -> Signer {
        let raw = try generation.sealedKey.open(purpose: Self.sealPurpose(record.name), with: kek)
        let key = try KeyMaterial(type: record.keyType, bytes: raw)
        let certificate = try Self.certificate(generation.certificatePEM, what: "issuer \(record.name)")
        let chain = try generation.chainPEM.map { pem throws(CAError) in try Self.certificate(pem, what: "the chain of issuer \(record.name)") }
        return Signer(name: record.name, generation: generation.number, certificate: certificate, key: key, chain: chain)
    }

    func rootSigner() async throws -> Signer {
        guard let kv = try await store.get(PKIKeys.clusterRoot) else {
            throw CAError(.notFound, "the cluster has no root CA yet; run kiban init")
        }
        let record = try decode(ClusterRootRecord.self, kv.value, what: "the cluster root")
        guard let sealed = record.sealedKey else {
            throw CAError(.invalidKey, "the cluster root's key is not sealed yet; the leader seals it at start, retry in a moment")
        }
        let key = try KeyMaterial(type: .p256, bytes: try sealed.open(purpose: Self.sealPurpose(PKIKeys.rootIssuer), with: kek))
        let certificate = try Self.certificate(record.certificatePEM, what: "the cluster root")
        return Signer(name: PKIKeys.rootIssuer, generation: 1, certificate: certificate, key: key, chain: [])
    }

    /// The record of a named issuer and its mod revision, or nil.
    func issuerRecord(_ name: String) async throws -> (IssuerRecord, Int64)? {
        guard let kv = try await store.get(PKIKeys.issuer(name)) else { return nil }
        return (try decode(IssuerRecord.self, kv.value, what: "issuer \(name)"), kv.modRevision)
    }

    /// What issuer keys are sealed for: `issuer:<name>` (the cluster root is `issuer:root`).
    static func sealPurpose(_ name: String) -> String { "issuer:\(name)" }

    static func certificate(_ pem: String, what: String) throws(CAError) -> Certificate {
        do { return try Certificate(pemEncoded: pem) } catch {
            throw CAError(.invalidPEM, "the certificate of \(what) in the store is not valid PEM")
        }
    }

    func noIssuer(_ name: String) -> CAError {
        CAError(.notFound, "no issuer is named \(name); list them with kiban ca issuers list")
    }

    func noGeneration(_ name: String, _ generation: Int?) -> CAError {
        CAError(.notFound, "issuer \(name) has no generation \(generation ?? 0); see kiban ca issuers show \(name)")
    }
}
