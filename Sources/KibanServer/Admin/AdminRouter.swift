import Foundation
import KibanAdminAPI
import Logging
import NIOHTTP1

/// Maps admin API requests to the daemon (docs/admin-api.md). JSON in, JSON out; a failure is
/// `{"error": code, "message": …}` with its status (``ServerError/answer``).
struct AdminRouter: Sendable {
    let daemon: Daemon
    let logger: Logger

    func route(method: HTTPMethod, uri: String, body: Data, caller: Caller) async -> (Int, [UInt8]) {
        let answer = await routeUncounted(method: method, uri: uri, body: body, caller: caller)
        AdminMetrics(factory: daemon.metrics.factory).request(path: URLComponents(string: uri)?.path ?? uri, status: answer.0)
        return answer
    }

    private func routeUncounted(method: HTTPMethod, uri: String, body: Data, caller: Caller) async -> (Int, [UInt8]) {
        let components = URLComponents(string: uri)
        let path = components?.path ?? uri
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        do {
            let parameters = (components?.queryItems ?? []).map { (name: $0.name, value: $0.value ?? "") }
            let request = AdminRequest(method: method, path: path, query: query, parameters: parameters, body: body, caller: caller)
            return (200, try await dispatch(request))
        } catch {
            // What is no ServerError here is a body that did not decode.
            return (error as? ServerError ?? ServerError(.badRequest, "the request body is not valid JSON for \(path): \(error)")).answer
        }
    }

    private func dispatch(_ r: AdminRequest) async throws -> [UInt8] {
        if let answer = try await inventory(r) { return answer }
        if let answer = try await ca(r) { return answer }
        if let answer = try await nodeOperations(r) { return answer }
        if let answer = try await nodes(r) { return answer }
        if let answer = try await installer(r) { return answer }
        let s = r.segments
        let resource = s.prefix(2).joined(separator: "/")
        let argument = s.count == 3 ? s[2] : nil
        guard s.count <= 3 else { throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md") }
        switch (r.method, resource, argument) {
        case (.GET, "v1/status", nil):
            var status = await daemon.status()
            if r.query["cluster"] == "true", status.initialized { status.views = try await daemon.memberReports() }
            return Self.encode(status)
        case (.POST, "v1/init", nil): return Self.encode(try await daemon.initialize(caller: r.caller))
        case (.POST, "v1/join", nil):
            let body = try r.decode([String: String].self)
            return Self.encode(try await daemon.join(token: body["token"] ?? "", caller: r.caller))
        case (.POST, "v1/tokens", nil):
            let body = try r.decode(TokenCreateBody.self)
            return Self.encode(try await daemon.createToken(name: body.name, ttlSeconds: body.ttlSeconds ?? 3600, caller: r.caller))
        case (.GET, "v1/tokens", nil): return Self.encode(try await daemon.listTokens())
        case (.DELETE, "v1/tokens", let id?):
            try await daemon.revokeToken(id: id, caller: r.caller)
            return Self.encode(["revoked": id])
        case (.GET, "v1/members", nil): return Self.encode(try await daemon.members())
        case (.DELETE, "v1/members", let name?):
            try await daemon.removeMember(name: name, force: r.query["force"] == "true", caller: r.caller)
            return Self.encode(["removed": name])
        case (.POST, "v1/members", "promote"):
            try await daemon.promoteMember(name: try r.decode([String: String].self)["name"] ?? "", caller: r.caller)
            return Self.encode(["promoted": true])
        case (.PUT, "v1/members", "auto-promote"):
            return Self.encode(try await daemon.setAutoPromote(try r.decode([String: Bool].self)["enabled"] ?? true, caller: r.caller))
        case (_, "v1/audit", let argument): return try await audit(r, argument)
        case (.POST, "v1/members", "transfer-leader"):
            let body = try r.decode([String: String].self)
            try await daemon.transferLeader(to: body["name"], caller: r.caller)
            return Self.encode(await daemon.status())
        case (_, "v1/kv", nil): return try await kv(r)
        case (.POST, "v1/compact", nil):
            return Self.encode(try await daemon.kvCompact(revision: try r.decode([String: Int64].self)["revision"] ?? 0, caller: r.caller))
        case (.POST, "v1/txn", nil):
            let txn = try r.decode(TxnBody.self)
            try Self.checkRecords(txn)
            return Self.encode(try await daemon.kvTxn(txn, caller: r.caller))
        case (_, "v1/dhcp", let argument): return try await dhcp(r, argument)
        case (_, "v1/images", _), (_, "v1/image-settings", nil), (_, "v1/assets", _): return try await catalog(r)
        case (_, "v1/templates", let role): return try await templates(r, role: role)
        case (_, "v1/kernel-params", let role): return try await kernelParams(r, role: role)
        case (_, "v1/role-images", _), (_, "v1/image-kernel-params", _): return try await roleImages(r)
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    private func kv(_ r: AdminRequest) async throws -> [UInt8] {
        let key = r.query["key"] ?? ""
        let prefix = r.query["prefix"] == "true"
        switch r.method {
        case .GET: return Self.encode(try await daemon.kvGet(key: key, prefix: prefix, consistency: r.query["consistency"]))
        case .PUT:
            let body = try r.decode(KVPutBody.self)
            try Self.checkRecords([(key: body.key, value: body.value)])
            return Self.encode(try await daemon.kvPut(body, caller: r.caller))
        case .DELETE: return Self.encode(try await daemon.kvDelete(key: key, prefix: prefix, caller: r.caller))
        default: throw ServerError(.badRequest, "/v1/kv takes GET, PUT or DELETE")
        }
    }

    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Every value encoded here is plain data (strings, numbers, arrays), which cannot fail.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }
}

/// One parsed admin request.
struct AdminRequest {
    var method: HTTPMethod
    var path: String
    var query: [String: String]
    /// The query's items in order, repeated names kept (`rack=1&rack=2`).
    var parameters: [(name: String, value: String)]
    var body: Data
    var caller: Caller

    var segments: [String] { path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) } }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: body.isEmpty ? Data("{}".utf8) : body)
    }
}
