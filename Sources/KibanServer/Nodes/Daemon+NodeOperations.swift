import Foundation
import KibanNodes
import NIOHTTP1

/// `GET /v1/operations`: the pending operations in order, as many as fit ``pageFileBytesMax``
/// of file content (at least one); `more` when others follow.
struct OperationsPage: Codable, Sendable {
    var operations: [AgentOperation]
    var more: Bool

    /// The file bytes one answer carries at most (base64 in JSON: about 5.4 MiB on the wire).
    static let pageFileBytesMax = 4 << 20
}

/// `PUT /v1/crypts/DEVICE` and the answer of `GET`: a volume key, base64 in JSON.
struct VolumeKeyBody: Codable, Sendable {
    var key: [UInt8]

    enum CodingKeys: String, CodingKey { case key }

    init(key: [UInt8]) { self.key = key }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let data = Data(base64Encoded: try container.decode(String.self, forKey: .key)) else {
            throw NodeError(.invalidInput, "the key is not base64")
        }
        key = Array(data)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Data(key).base64EncodedString(), forKey: .key)
    }
}

/// The node API's operation and disk-key routes. The machine is always the one the client
/// certificate names: an agent reads and reports only its own operations, and escrows and
/// reads only its own disks' keys.
extension Daemon {
    /// The answer when `r` is an operation or crypt route; nil otherwise.
    func nodeResource(_ r: NodeAPIRequest, identify: (NodeAPIRequest) async throws -> String) async throws -> NodeAPIResponse? {
        let s = r.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard s.count >= 2, s[0] == "v1" else { return nil }
        switch (r.method, s[1], s.count) {
        case (.GET, "operations", 2):
            let serial = try await identify(r)
            return ok(Self.page(try await operationQueue().pending(serial: serial)))
        case (.POST, "operations", 4) where s[3] == "result":
            let serial = try await identify(r)
            var result = try Self.body(OperationResult.self, r)
            result = OperationResult(
                id: s[2], succeeded: result.succeeded, exitStatus: result.exitStatus, output: result.output, finished: result.finished)
            return ok(["recorded": try await operationQueue().recordResult(result, serial: serial, now: Date())])
        case (.PUT, "crypts", 3):
            let serial = try await identify(r)
            let body = try Self.body(VolumeKeyBody.self, r)
            let escrowed = try await diskKeyEscrow().escrow(body.key, serial: serial, device: s[2], now: Date())
            logger.notice(
                "escrowed a disk key", metadata: ["kiban.nodes.serial": "\(serial)", "kiban.nodes.device": "\(s[2])", "kiban.nodes.new": "\(escrowed)"])
            return ok(["escrowed": escrowed])
        case (.GET, "crypts", 3):
            let serial = try await identify(r)
            let key = try await diskKeyEscrow().key(serial: serial, device: s[2], requester: serial)
            return ok(VolumeKeyBody(key: key))
        default:
            return nil
        }
    }

    /// The request's JSON body.
    /// - Throws: ``NodeError`` `invalidInput` (400) when it is not a `T`.
    static func body<T: Decodable>(_ type: T.Type, _ r: NodeAPIRequest) throws(NodeError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(r.body))
        } catch {
            throw error as? NodeError ?? NodeError(.invalidInput, "the request body is not a \(T.self): \(error)")
        }
    }

    /// The first pending operations that fit one answer.
    static func page(_ pending: [OperationRecord]) -> OperationsPage {
        var operations: [AgentOperation] = []
        var bytes = 0
        for record in pending {
            if case .writeFile(_, let content, _, _) = record.operation.action { bytes += content.count }
            if bytes > OperationsPage.pageFileBytesMax && !operations.isEmpty { break }
            operations.append(record.operation)
        }
        return OperationsPage(operations: operations, more: operations.count < pending.count)
    }

    /// How many operations `serial` has pending, for the heartbeat's answer (a local read: the
    /// leader answers heartbeats).
    func pendingOperations(_ serial: String) async -> Int {
        (try? await operationQueue().pending(serial: serial, consistency: .serializable).count) ?? 0
    }

    /// The operation queue of the running member.
    func operationQueue() throws(ServerError) -> NodeOperations {
        var queue = NodeOperations(store: try requireStore())
        queue.auditMember = memberName
        return queue
    }
}
