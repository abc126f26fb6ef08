import Foundation
import KibanCA
public import KibanNodes
public import Logging
import NIOHTTP1

/// `kiban agent join` and `kiban agent run`: the node agent's two halves (docs/nodes.md).
public enum NodeAgent {
    /// `kiban agent join`: pins the cluster CA by the token's fingerprint, then (and only then)
    /// sends the token's secret, the serial and a CSR for a fresh key; saves the certificate, the
    /// key and the CA under `stateDir`. Tries `servers` first, then every member the token lists.
    /// - Returns: the answer of the member that enrolled the machine.
    /// - Throws: ``ServerError`` `badRequest` (token), `forbidden` (refused, with the member's
    ///   reason; or a member of another cluster, before anything secret was sent), `unavailable`.
    public static func join(
        token text: String, serial: String, servers: [String], stateDir: String,
        logger: Logger
    ) async throws(ServerError) -> NodeEnrollment.Enrolled {
        let token: NodeToken
        do { token = try NodeToken(encoded: text) } catch { throw ServerError(.badRequest, error.message) }
        let (keyPEM, csrPEM) = try caCall { () throws(CAError) in try MemberKey.createRequest(for: MemberIdentity(name: serial, ipAddresses: [])) }
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(NodeEnrollment.Request(secret: token.secret, serial: serial, csr: csrPEM))) } catch {
            throw ServerError(.internal, "\(error)")
        }
        var lastError = ServerError(.unavailable, "no member the token lists answered")
        for endpoint in unique(servers + token.addresses) {
            do throws(ServerError) {
                let caPEM = try await pinnedCA(endpoint, token: token)
                let client = try NodeAPIClient(caPEM: caPEM, clusterID: token.clusterID)
                let (status, answer) = try await client.request(endpoint: endpoint, method: .POST, path: "/v1/enroll", body: body)
                guard status == .ok else { throw refusal(status, answer, endpoint) }
                let enrolled = try decode(EnrollAnswer.self, answer, endpoint)
                let state = AgentState(
                    cluster: token.clusterID, serial: serial, members: unique(enrolled.members + token.addresses + servers),
                    caPEM: caPEM, certificatePEM: enrolled.enrolled.certificatePEM, chainPEM: enrolled.enrolled.chainPEM,
                    keyPEM: keyPEM)
                try state.save(stateDir)
                logger.notice(
                    "enrolled",
                    metadata: [
                        "kiban.agent.serial": "\(serial)", "kiban.agent.member": "\(endpoint)",
                        "kiban.agent.certificate": "\(enrolled.enrolled.certificateSerial)",
                    ])
                return enrolled.enrolled
            } catch  where error.code == .unavailable {
                logger.warning(
                    "a member did not answer; trying the next", metadata: ["kiban.agent.member": "\(endpoint)", "kiban.agent.error": "\(error.message)"])
                lastError = error
            }
        }
        throw lastError
    }

    /// The CA `endpoint` serves, if it has the token's fingerprint.
    private static func pinnedCA(_ endpoint: String, token: NodeToken) async throws(ServerError) -> String {
        let presented = try await NodeAPIClient.fetchCA(endpoint: endpoint)
        do {
            return try JoinToken.pinCA(presentedPEM: presented, fingerprint: token.caFingerprint).pem
        } catch {
            throw ServerError(.forbidden, "the server at \(endpoint) is not of the token's cluster (\(error.message)); nothing secret was sent")
        }
    }

    /// A member's refusal as an error (its message is the reason).
    static func refusal(_ status: HTTPResponseStatus, _ body: [UInt8], _ endpoint: String) -> ServerError {
        let message = (try? JSONDecoder().decode([String: String].self, from: Data(body)))?["message"] ?? "HTTP \(status.code)"
        switch status.code {
        case 400, 413, 431: return ServerError(.badRequest, message)
        case 403: return ServerError(.forbidden, message)
        case 404: return ServerError(.notFound, message)
        case 409: return ServerError(.conflict, message)
        default: return ServerError(.unavailable, "\(endpoint): \(message)")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], _ endpoint: String) throws(ServerError) -> T {
        do { return try JSONDecoder().decode(type, from: Data(body)) } catch {
            throw ServerError(.unavailable, "the member at \(endpoint) answered something unreadable: \(error)")
        }
    }

    /// `endpoints` without repeats, in order.
    static func unique(_ endpoints: [String]) -> [String] {
        var seen = Set<String>()
        return endpoints.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    static func caCall<T>(_ body: () throws(CAError) -> T) throws(ServerError) -> T {
        do { return try body() } catch { throw ServerError(.internal, error.message) }
    }
}
