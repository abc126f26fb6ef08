import Foundation
import KibanStore
import X509

/// Issuers as the API shows them: certificates and dates, never keys.
extension PKIService {
    func view(_ record: IssuerRecord) -> IssuerView {
        let generations = record.generations.map {
            GenerationView(
                number: $0.number, certificatePEM: $0.certificatePEM, crossSignedPEM: $0.crossSignedPEM,
                serial: $0.serial, notBefore: $0.notBefore, notAfter: $0.notAfter, retiredAt: $0.retiredAt)
        }
        // An issuer record always holds at least one generation (create writes the first).
        guard let active = record.generations.last else { preconditionFailure("issuer \(record.name) has no generation") }
        let subject = (try? Certificate(pemEncoded: active.certificatePEM)).map { "\($0.subject)" } ?? ""
        return IssuerView(
            name: record.name, parent: record.parent, keyType: record.keyType, generation: active.number,
            certificatePEM: active.certificatePEM, subject: subject, serial: active.serial,
            notBefore: active.notBefore, notAfter: active.notAfter, chainPEM: active.chainPEM,
            generations: generations)
    }

    func rootView() async throws -> IssuerView {
        guard let kv = try await store.get(PKIKeys.clusterRoot) else {
            throw CAError(.notFound, "the cluster has no root CA yet; run kiban init")
        }
        let record = try decode(ClusterRootRecord.self, kv.value, what: "the cluster root")
        let certificate = try Self.certificate(record.certificatePEM, what: "the cluster root")
        let generation = GenerationView(
            number: 1, certificatePEM: certificate.pem, crossSignedPEM: nil,
            serial: certificate.serialHex, notBefore: certificate.notValidBefore,
            notAfter: certificate.notValidAfter, retiredAt: nil)
        return IssuerView(
            name: PKIKeys.rootIssuer, parent: nil, keyType: .p256, generation: 1,
            certificatePEM: certificate.pem, subject: "\(certificate.subject)", serial: certificate.serialHex,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, chainPEM: [],
            generations: [generation])
    }
}
