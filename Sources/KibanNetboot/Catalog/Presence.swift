import Foundation
public import KibanStore

/// `netboot/presence/<sha256>/<member>`: a member holds a verified copy of a blob, and serves it
/// over HTTP at `http` (its netboot HTTP endpoint). The HTTP boot server redirects a request for a
/// blob it lacks to one of these; `kiban images list` shows them.
public struct PresenceRecord: Codable, Sendable, Hashable {
    /// The member's name.
    public var member: String
    /// `http://ADDRESS:HTTP-PORT` of that member's netboot HTTP server.
    public var http: String

    public init(member: String, http: String) {
        self.member = member
        self.http = http
    }
}

extension Store {
    /// The members holding a verified copy of the blob `sha256`, sorted by member name. Reads
    /// locally (serializable) by default: presence is advisory, a stale answer costs one retry.
    /// - Throws: ``StoreError`` from the read; records that do not decode are skipped.
    public func presence(of sha256: String, consistency: ReadConsistency = .serializable) async throws(StoreError) -> [PresenceRecord] {
        let page = try await range(.prefix(NetbootKeys.presence(sha256)), consistency: consistency)
        return page.kvs.compactMap { try? JSONDecoder().decode(PresenceRecord.self, from: Data($0.value)) }
            .sorted { $0.member < $1.member }
    }

    /// Every presence record, by blob hash (one read for a whole listing).
    public func presenceByBlob(consistency: ReadConsistency = .serializable) async throws(StoreError) -> [String: [PresenceRecord]] {
        let page = try await range(.prefix(Array(NetbootKeys.presencePrefix.utf8)), consistency: consistency)
        var result: [String: [PresenceRecord]] = [:]
        for kv in page.kvs {
            let path = String(decoding: kv.key.dropFirst(NetbootKeys.presencePrefix.utf8.count), as: UTF8.self)
            guard let slash = path.firstIndex(of: "/"),
                let record = try? JSONDecoder().decode(PresenceRecord.self, from: Data(kv.value))
            else { continue }
            result[String(path[..<slash]), default: []].append(record)
        }
        return result.mapValues { $0.sorted { $0.member < $1.member } }
    }
}
