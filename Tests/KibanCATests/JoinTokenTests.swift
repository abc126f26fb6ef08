import Foundation
import KibanCA
import Testing

@Suite("Join tokens")
struct JoinTokenTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func token(ttl: TimeInterval = 3600) -> JoinToken {
        JoinToken.create(
            clusterID: "c-123", name: "boot-2", addresses: ["10.0.0.1:10090", "10.0.0.2:10090"],
            caFingerprint: "sha256:" + String(repeating: "ab", count: 32), ttl: ttl, now: now)
    }

    @Test("A token survives its printed form")
    func roundTrip() throws {
        let t = token()
        #expect(t.encoded.hasPrefix("kiban1."))
        #expect(try JoinToken(encoded: t.encoded + "\n") == t)
    }

    @Test("The stored hash accepts the token's secret before expiry")
    func verifies() throws {
        let t = token()
        try JoinToken.verify(secret: t.secret, storedHash: t.secretHash, expiresAt: t.expiresAt, now: now)
        #expect(!t.secretHash.contains(t.secret))
        #expect(t.id.count == 12)
    }

    @Test("Another token's secret is refused")
    func wrongSecret() {
        let t = token()
        let other = token()
        #expect(t.secret != other.secret)
        do {
            try JoinToken.verify(secret: other.secret, storedHash: t.secretHash, expiresAt: t.expiresAt, now: now)
            Issue.record("a foreign secret was accepted")
        } catch {
            #expect(error.code == .wrongSecret)
            #expect(!error.message.contains(other.secret))
        }
    }

    @Test("A token is refused at and after its expiry")
    func expired() {
        let t = token(ttl: 60)
        for later in [t.expiresAt, t.expiresAt + 1] {
            #expect(throws: CAError.self) {
                try JoinToken.verify(secret: t.secret, storedHash: t.secretHash, expiresAt: t.expiresAt, now: later)
            }
        }
    }

    @Test(
        "Malformed tokens get a clear error",
        arguments: [
            "", "hello", "kiban1.", "kiban1.!!!", "kiban1.e30",  // {} : fields missing
            "kiban2.e30", "kiban1." + Data("{\"cluster\":\"c\"}".utf8).base64EncodedString(),
        ])
    func malformed(text: String) {
        do {
            _ = try JoinToken(encoded: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.code == .invalidToken)
        }
    }

    @Test("Random and mutated token text never crashes the parser (bounded fuzz)")
    func fuzz() {
        var rng = SystemRandomNumberGenerator()
        let valid = Array(token().encoded.utf8)
        let deadline = Date().addingTimeInterval(2)
        var runs = 0
        while runs < 20_000 && Date() < deadline {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: i)
                default: bytes.insert(UInt8.random(in: 32...126, using: &rng), at: i)
                }
                if bytes.isEmpty { break }
            }
            if let parsed = try? JoinToken(encoded: String(decoding: bytes, as: UTF8.self)) {
                // Anything accepted must be complete.
                #expect(!parsed.clusterID.isEmpty && !parsed.addresses.isEmpty)
            }
            runs += 1
        }
        #expect(runs > 100)
    }
}
