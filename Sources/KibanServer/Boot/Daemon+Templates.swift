import Foundation
import KibanNetboot
import KibanStore

/// `PUT /v1/templates/<role>`.
public struct TemplateSetBody: Codable, Sendable {
    public var version: String
    public var template: String
}

/// A template version as the admin API shows it; `template` only when one version is asked for.
public struct TemplateInfo: Codable, Sendable {
    public var role: String
    public var version: String
    /// Unix seconds.
    public var created: Double
    public var bytes: Int
    /// Whether machines of the role get this version (the newest).
    public var current: Bool
    public var template: String?
}

extension Daemon {
    /// Versions kept per role: setting one more deletes the oldest.
    static let templateVersionsMax = 5

    /// `kiban templates set ROLE VERSION FILE`: compiles the template (a syntax error or, for
    /// JSON, invalid output is refused here, before any machine sees it) and stores it as the
    /// role's newest version. A version is never overwritten.
    func setTemplate(role: String, _ body: TemplateSetBody, caller: Caller) async throws(ServerError) -> TemplateInfo {
        let store = try requireStore()
        try Self.checkName(role, "role")
        try Self.checkName(body.version, "version")
        do {
            _ = try ConfigTemplate(body.template)
        } catch {
            throw ServerError(.badRequest, "\(error.message); nothing was stored")
        }
        let record = TemplateRecord(role: role, version: body.version, template: body.template, created: Date())
        let key = NetbootKeys.template(role: role, version: body.version)
        let value = try Self.encodeRecord(record)
        let audit = try auditPut(caller, "template.set", role, detail: "version \(body.version)")
        let result = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(compares: [Compare(key, .equal, .version(0))], success: [.put(key: key, value: value, lease: 0), audit]))
        }
        guard result.succeeded else {
            throw ServerError(.conflict, "role \(role) already has version \(body.version); versions never change: set a new version")
        }
        try await pruneTemplates(role: role, store: store)
        return TemplateInfo(role: role, version: body.version, created: record.created.timeIntervalSince1970,
                            bytes: body.template.utf8.count, current: true, template: nil)
    }

    /// Deletes the oldest versions beyond ``templateVersionsMax``.
    private func pruneTemplates(role: String, store: Store) async throws(ServerError) {
        let versions = try await templateKVs(role: role, store: store)
        for kv in versions.dropLast(Self.templateVersionsMax) {
            _ = try await storeCall { () throws(StoreError) in
                try await store.txn(Txn(compares: [Compare(kv.key, .equal, .modRevision(kv.modRevision))],
                                        success: [.delete(.key(kv.key))]))
            }
        }
    }

    /// A role's versions, oldest first.
    private func templateKVs(role: String, store: Store) async throws(ServerError) -> [KeyValue] {
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(NetbootKeys.templates(role: role))) }
        return page.kvs.sorted { $0.createRevision < $1.createRevision }
    }

    /// `kiban templates list`: every role's versions, or one role's (oldest first).
    func templates(role: String?) async throws(ServerError) -> [TemplateInfo] {
        let store = try requireStore()
        let prefix = role.map { NetbootKeys.templates(role: $0) } ?? Array(NetbootKeys.templatesPrefix.utf8)
        let page = try await storeCall { () throws(StoreError) in try await store.range(.prefix(prefix)) }
        let records = page.kvs.sorted { $0.createRevision < $1.createRevision }
            .compactMap { kv in (try? JSONDecoder().decode(TemplateRecord.self, from: Data(kv.value))) }
        let newest = Dictionary(records.map { ($0.role, $0.version) }, uniquingKeysWith: { _, last in last })
        return records.sorted { ($0.role, $0.created) < ($1.role, $1.created) }.map {
            TemplateInfo(role: $0.role, version: $0.version, created: $0.created.timeIntervalSince1970,
                         bytes: $0.template.utf8.count, current: newest[$0.role] == $0.version, template: nil)
        }
    }

    /// `kiban templates get ROLE [VERSION]`: one version with its text (the newest by default).
    func template(role: String, version: String?) async throws(ServerError) -> TemplateInfo {
        let all = try await templates(role: role)
        guard let info = version.map({ v in all.first { $0.version == v } }) ?? all.last else {
            throw ServerError(.notFound, version.map { "role \(role) has no template version \($0); see kiban templates list" }
                              ?? "role \(role) has no template; set one with kiban templates set \(role) VERSION FILE")
        }
        let store = try requireStore()
        let key = NetbootKeys.template(role: role, version: info.version)
        let kv = try await storeCall { () throws(StoreError) in try await store.get(key) }
        var full = info
        full.template = kv.flatMap { try? JSONDecoder().decode(TemplateRecord.self, from: Data($0.value)) }?.template
        return full
    }

    /// `kiban templates delete ROLE VERSION`.
    func deleteTemplate(role: String, version: String, caller: Caller) async throws(ServerError) -> [String: String] {
        let store = try requireStore()
        let key = NetbootKeys.template(role: role, version: version)
        let deleted = try await deleteAudited(key, try auditPut(caller, "template.delete", role, detail: "version \(version)"), store: store)
        guard !deleted.isEmpty else { throw ServerError(.notFound, "role \(role) has no template version \(version); see kiban templates list") }
        return ["role": role, "deleted": version]
    }

    static func checkName(_ name: String, _ what: String) throws(ServerError) {
        guard NetbootKeys.isValidName(name) else {
            throw ServerError(.badRequest, "a \(what) is 1 to 63 letters, digits, '.', '_' or '-' (got \"\(name.prefix(80))\")")
        }
    }

    static func encodeRecord(_ value: some Encodable) throws(ServerError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do { return Array(try encoder.encode(value)) } catch { throw ServerError(.internal, "cannot encode \(type(of: value)): \(error)") }
    }
}
