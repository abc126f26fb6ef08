import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// Raw signatures, for what swift-certificates does not sign itself (CRLs).
extension KeyMaterial {
    /// The signature over `bytes` in the form X.509 carries in its BIT STRING: DER
    /// `Ecdsa-Sig-Value` for ECDSA, 64 bytes for Ed25519, PKCS#1 v1.5 with SHA-256 for RSA.
    func signature(over bytes: [UInt8]) throws(CAError) -> [UInt8] {
        do {
            switch backing {
            case .p256(let k): return Array(try k.signature(for: bytes).derRepresentation)
            case .p384(let k): return Array(try k.signature(for: bytes).derRepresentation)
            case .ed25519(let k): return Array(try k.signature(for: bytes))
            case .rsa(let k): return Array(try k.signature(for: bytes, padding: .insecurePKCS1v1_5).rawRepresentation)
            }
        } catch {
            throw CAError(.internal, "cannot sign with the \(type.rawValue) issuer key: \(error)")
        }
    }

    /// The DER `AlgorithmIdentifier` of ``signatureAlgorithm`` (RFC 5758 §3.2: no parameters
    /// for ECDSA; RFC 8410: none for Ed25519; RFC 4055: NULL for RSA).
    func algorithmIdentifier(_ coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            switch type {
            case .p256: try coder.serialize([1, 2, 840, 10045, 4, 3, 2] as ASN1ObjectIdentifier)
            case .p384: try coder.serialize([1, 2, 840, 10045, 4, 3, 3] as ASN1ObjectIdentifier)
            case .ed25519: try coder.serialize([1, 3, 101, 112] as ASN1ObjectIdentifier)
            case .rsa2048, .rsa3072, .rsa4096:
                try coder.serialize([1, 2, 840, 113_549, 1, 1, 11] as ASN1ObjectIdentifier)
                try coder.serialize(ASN1Null())
            }
        }
    }
}
