import Foundation
import KibanStore

extension Daemon {
    /// On a follower, sends a membership change to the leader and returns true once the
    /// leader has made it; on the leader, returns false (the caller makes it here).
    /// - Throws: ``ServerError`` `unavailable` when there is no leader or it cannot be reached,
    ///   or the leader's own refusal.
    func forwardToLeader(_ request: ForwardRequest, forwarded: Bool) async throws(ServerError) -> Bool {
        guard let r = running else { return false }
        let status = await r.store.status
        guard status.role != .leader else { return false }
        guard !forwarded else {
            throw ServerError(.unavailable, "this member stopped leading while the change was forwarded to it; retry")
        }
        guard status.leader != 0, let leader = directory.record(status.leader) else {
            throw ServerError(.unavailable, "this member knows no leader to forward the change to; retry once `kiban status` shows one")
        }
        var request = request
        request.caller.member = request.caller.member ?? r.local.name
        try await ForwardClient.send(request, to: leader, from: r.local.id, credentials: r.credentials)
        logger.info(
            "forwarded a membership change to the leader",
            metadata: ["kiban.server.action": "\(request.action.rawValue)", "kiban.server.peer_name": "\(leader.name)"])
        return true
    }

    /// The leader's side of a forwarded change.
    func handleForwarded(_ request: ForwardRequest) async -> ForwardResponse {
        do throws(ServerError) {
            switch request.action {
            case .removeMember:
                try await removeMember(name: request.name ?? "", force: request.force, caller: request.caller, forwarded: true)
            case .transferLeader:
                try await transferLeader(to: request.name, caller: request.caller, forwarded: true)
            case .promoteMember:
                try await promoteMember(name: request.name ?? "", caller: request.caller, forwarded: true)
            }
            return ForwardResponse()
        } catch {
            return ForwardResponse(error: error.code, message: error.message)
        }
    }
}
