import Foundation
import KibanAdminAPI
import NIOCore

extension MemberReport {
    /// A member that did not answer.
    static func unreachable(_ name: String, _ error: String) -> MemberReport {
        MemberReport(name: name, reachable: false, error: error)
    }
}

enum ReportClient {
    /// How long one member may take to answer.
    static let deadline = TimeAmount.seconds(3)

    /// Asks `member` for its report as member `from`.
    static func fetch(from member: MemberRecord, as from: UInt64, credentials: PeerCredentials) async -> MemberReport {
        do {
            let reply = try await PeerConnection.with(
                endpoint: member.endpoint, context: credentials.client,
                expect: credentials.expect(member), deadline: deadline
            ) { inbound, outbound in
                try await outbound.write(PeerHello(purpose: .report, from: from).encoded)
                var frames = inbound.makeAsyncIterator()
                guard let frame = try await frames.next() else { throw ServerError(.unavailable, "no answer") }
                return frame
            }
            return try JSONDecoder().decode(MemberReport.self, from: Data(reply.readableBytesView))
        } catch {
            return .unreachable(member.name, "\(error)")
        }
    }
}
