import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// A private key of one of the ``KeyType``s. **Secret**: it is sealed before it is stored
/// (``sealedBytes``) and leaves the PKI only as the key of a certificate the CA generated.
struct KeyMaterial: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case ed25519(Curve25519.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let type: KeyType
    let backing: Backing

    /// A new random key.
    static func generate(_ type: KeyType) throws(CAError) -> KeyMaterial {
        do {
            switch type {
            case .p256: return KeyMaterial(type: type, backing: .p256(P256.Signing.PrivateKey()))
            case .p384: return KeyMaterial(type: type, backing: .p384(P384.Signing.PrivateKey()))
            case .ed25519: return KeyMaterial(type: type, backing: .ed25519(Curve25519.Signing.PrivateKey()))
            case .rsa2048: return KeyMaterial(type: type, backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
            case .rsa3072: return KeyMaterial(type: type, backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits3072)))
            case .rsa4096: return KeyMaterial(type: type, backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits4096)))
            }
        } catch {
            throw CAError(.internal, "cannot generate a \(type.rawValue) key: \(error)")
        }
    }

    /// The key from ``sealedBytes`` (raw scalar for EC and Ed25519, PKCS#1 DER for RSA).
    init(type: KeyType, bytes: [UInt8]) throws(CAError) {
        self.type = type
        do {
            switch type {
            case .p256: backing = .p256(try P256.Signing.PrivateKey(rawRepresentation: bytes))
            case .p384: backing = .p384(try P384.Signing.PrivateKey(rawRepresentation: bytes))
            case .ed25519: backing = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: bytes))
            case .rsa2048, .rsa3072, .rsa4096: backing = .rsa(try _RSA.Signing.PrivateKey(derRepresentation: bytes))
            }
        } catch {
            throw CAError(.invalidKey, "a sealed \(type.rawValue) key does not decode")
        }
    }

    init(type: KeyType, backing: Backing) {
        self.type = type
        self.backing = backing
    }

    /// The bytes that are sealed. **Secret.**
    var sealedBytes: [UInt8] {
        switch backing {
        case .p256(let k): Array(k.rawRepresentation)
        case .p384(let k): Array(k.rawRepresentation)
        case .ed25519(let k): Array(k.rawRepresentation)
        case .rsa(let k): Array(k.derRepresentation)
        }
    }

    /// PKCS#8 PEM (`PRIVATE KEY`; RSA in PKCS#1, `RSA PRIVATE KEY`). **Secret.**
    var pem: String {
        switch backing {
        case .p256(let k): k.pemRepresentation
        case .p384(let k): k.pemRepresentation
        case .ed25519(let k): Self.ed25519PEM(k)
        case .rsa(let k): k.pemRepresentation
        }
    }

    /// Ed25519 in PKCS#8 (RFC 8410 §7): the fixed prefix, then the 32-byte seed.
    private static func ed25519PEM(_ key: Curve25519.Signing.PrivateKey) -> String {
        let prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        return PEMDocument(type: "PRIVATE KEY", derBytes: prefix + Array(key.rawRepresentation)).pemString
    }

    /// The key as swift-certificates signs with it.
    var certificateKey: Certificate.PrivateKey {
        switch backing {
        case .p256(let k): Certificate.PrivateKey(k)
        case .p384(let k): Certificate.PrivateKey(k)
        case .ed25519(let k): Certificate.PrivateKey(k)
        case .rsa(let k): Certificate.PrivateKey(k)
        }
    }

    /// The public key.
    var publicKey: Certificate.PublicKey { certificateKey.publicKey }

    /// The signature algorithm certificates and CRLs signed by this key carry.
    var signatureAlgorithm: Certificate.SignatureAlgorithm {
        switch type {
        case .p256: .ecdsaWithSHA256
        case .p384: .ecdsaWithSHA384
        case .ed25519: .ed25519
        case .rsa2048, .rsa3072, .rsa4096: .sha256WithRSAEncryption
        }
    }
}

extension KeyType {
    /// The type of a public key (from a CSR), or nil for one the PKI does not issue for
    /// (P-521, RSA of another size).
    init?(_ key: Certificate.PublicKey) {
        if P256.Signing.PublicKey(key) != nil {
            self = .p256
        } else if P384.Signing.PublicKey(key) != nil {
            self = .p384
        } else if Curve25519.Signing.PublicKey(key) != nil {
            self = .ed25519
        } else if let rsa = _RSA.Signing.PublicKey(key) {
            switch rsa.keySizeInBits {
            case 2048: self = .rsa2048
            case 3072: self = .rsa3072
            case 4096: self = .rsa4096
            default: return nil
            }
        } else {
            return nil
        }
    }
}
