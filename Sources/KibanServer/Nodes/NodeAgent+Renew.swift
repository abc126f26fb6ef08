import Foundation
import KibanCA
import KibanNodes
import Logging

/// The agent renews its node certificate before it expires: once two thirds of its lifetime
/// have passed, checked every heartbeat round. A renewal that fails is logged and tried again
/// the next round; the agent keeps working with the certificate it has.
extension NodeAgent {
    /// Whether the certificate in `pem` has passed two thirds of its lifetime at `now` (an
    /// unreadable certificate is not renewed here: the member refuses it and says why).
    static func renewalDue(_ pem: String, now: Date) -> Bool {
        guard let certificate = MemberCertificate(pem: pem) else { return false }
        let lifetime = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        return now >= certificate.notValidBefore.addingTimeInterval(lifetime * 2 / 3)
    }

    /// Asks `endpoint` for a new certificate for a fresh key (`POST /v1/renew` with the current
    /// certificate), writes the new files atomically (0600) and returns the new state.
    static func renew(_ state: AgentState, client: NodeAPIClient, endpoints: [String], stateDir: String, logger: Logger) async throws(ServerError)
        -> AgentState
    {
        let (keyPEM, csrPEM) = try caCall { () throws(CAError) in try MemberKey.createRequest(for: MemberIdentity(name: state.serial, ipAddresses: [])) }
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(["csr": csrPEM])) } catch { throw ServerError(.internal, "\(error)") }
        var lastError = ServerError(.unavailable, "no member is known; give one with --server")
        for endpoint in endpoints {
            do throws(ServerError) {
                let (status, answer) = try await client.request(endpoint: endpoint, method: .POST, path: "/v1/renew", body: body)
                guard status == .ok else { throw refusal(status, answer, endpoint) }
                let renewed = try decode(NodeEnrollment.Enrolled.self, answer, endpoint)
                var next = state
                next.certificatePEM = renewed.certificatePEM
                next.chainPEM = renewed.chainPEM
                next.keyPEM = keyPEM
                try next.save(stateDir)
                logger.notice(
                    "renewed the node certificate",
                    metadata: [
                        "kiban.agent.certificate": "\(renewed.certificateSerial)",
                        "kiban.agent.not_after": "\(renewed.notAfter.formatted(.iso8601))",
                    ])
                return next
            } catch  where error.code == .unavailable {
                lastError = error
            }
        }
        throw lastError
    }
}
