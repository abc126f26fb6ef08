import Foundation
import KibanCA
import KibanStore

/// The PKI on this member's store (docs/pki.md): a thin adapter from admin requests to
/// ``PKIService``. Writes on a follower are forwarded to the leader by the store; issuer keys
/// are opened with this member's key-encryption key, so any member holding it can sign.
extension Daemon {
    /// The PKI service of the running member.
    /// - Throws: ``ServerError`` `conflict` before init or join, `unavailable` without a KEK.
    func pkiService() throws(ServerError) -> PKIService {
        let store = try requireStore()
        guard let kek else {
            throw ServerError(
                .unavailable,
                "this member has no key-encryption key (\(KeyEncryptionKey.path(dataDir: config.dataDir))), so it cannot open issuer keys; copy it from another member (docs/pki.md)"
            )
        }
        var pki = PKIService(store: store, kek: kek, now: { Date() })
        pki.auditMember = memberName
        return pki
    }

    /// Runs `body` on the PKI for `caller`; a change (`action` given) is logged with the caller.
    func pki<T: Sendable>(
        _ caller: Caller, _ action: String? = nil,
        _ body: @Sendable (PKIService, Requester) async throws -> T
    ) async throws(ServerError) -> T {
        let service = try pkiService()
        do {
            let value = try await body(service, .operator(user: caller.auditUser))
            if let action {
                logChange(caller, "ca \(action)")
                let verb = action.split(separator: " ").first
                if verb == "issue" || verb == "sign" || verb == "revoke" { AdminMetrics(factory: metrics.factory).certificate(issued: verb != "revoke") }
            }
            return value
        } catch {
            throw ServerError(answering: error)
        }
    }
}
