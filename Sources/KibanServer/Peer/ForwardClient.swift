import Foundation
import NIOCore
import NIOSSL

/// An admin change a follower forwards to the leader over a peer connection (purpose
/// ``PeerHello/Purpose/admin``): the follower's member certificate authenticates it, and the
/// leader runs it as if its own admin socket had received it, for the original caller.
struct ForwardRequest: Codable, Sendable {
    enum Action: String, Codable, Sendable {
        /// `kiban members remove NAME [--force]`.
        case removeMember
        /// `kiban members transfer-leader [NAME]`.
        case transferLeader
        /// `kiban members promote NAME`.
        case promoteMember
    }

    var action: Action
    var name: String?
    var force = false
    /// Who asked, as the follower's admin socket saw it (for the audit record).
    var caller: Caller
}

/// The leader's answer: empty on success.
struct ForwardResponse: Codable, Sendable {
    var error: ServerError.Code?
    var message: String?
}

enum ForwardClient {
    /// Sends `request` to the leader at `endpoint` as member `from`; throws the leader's error.
    static func send(_ request: ForwardRequest, to leader: MemberRecord, from: UInt64, credentials: PeerCredentials) async throws(ServerError) {
        let endpoint = leader.endpoint
        let body: Data
        do { body = try JSONEncoder().encode(request) } catch { throw ServerError(.internal, "\(error)") }
        let reply = try await JoinClient.exchange(
            endpoint: endpoint, context: credentials.client, expect: credentials.expect(leader),
            frames: [PeerHello(purpose: .admin, from: from).encoded, ByteBuffer(bytes: body)])
        let answer: ForwardResponse
        do {
            answer = try JSONDecoder().decode(ForwardResponse.self, from: Data(reply.readableBytesView))
        } catch {
            throw ServerError(.unavailable, "the leader at \(endpoint) answered with something unreadable: \(error)")
        }
        if let code = answer.error { throw ServerError(code, answer.message ?? "the leader refused the change") }
    }
}
