public import Foundation
public import KibanStore

/// The per-role boot configuration kept in the replicated store: versioned configuration
/// templates (the newest ``versionsMax`` of each role, a version never overwritten) and the
/// kernel parameters each role boots with. Each change is one store transaction with its audit
/// entry.
///
/// ```swift
/// let templates = TemplateService(store: store)
/// try await templates.setTemplate(role: "worker", version: "v2", text: ignition, author: author)
/// let current = try await templates.template(role: "worker", version: nil)
/// ```
///
/// Methods throw ``NetbootError`` for what the operator must fix, and `StoreError` when the store
/// cannot answer.
public struct TemplateService: Sendable {
    /// Versions kept per role: setting one more deletes the oldest.
    public static let versionsMax = 5

    /// The store the templates live in.
    public let store: Store

    /// Creates the service over `store`.
    public init(store: Store) {
        self.store = store
    }

    /// Compiles the template (a syntax error or, for JSON, invalid output is refused here,
    /// before any machine sees it) and stores it as the role's newest version.
    @discardableResult
    public func setTemplate(role: String, version: String, text: String, author: ChangeAuthor) async throws -> TemplateVersion {
        try NetbootCodec.checkName(role, "role")
        try NetbootCodec.checkName(version, "version")
        do {
            _ = try ConfigTemplate(text)
        } catch {
            throw NetbootError(.invalidTemplate, "\(error.message); nothing was stored")
        }
        let record = TemplateRecord(role: role, version: version, template: text, created: author.time)
        let key = NetbootKeys.template(role: role, version: version)
        let put = KibanStore.Operation.put(key: key, value: try NetbootCodec.encode(record), lease: 0)
        let audit = try author.auditPut("template.set", role, detail: "version \(version)")
        let result = try await store.txn(Txn(compares: [Compare(key, .equal, .version(0))], success: [put, audit]))
        guard result.succeeded else {
            throw NetbootError(.conflict, "role \(role) already has version \(version); versions never change: set a new version")
        }
        try await prune(role: role)
        return TemplateVersion(record, current: true, withText: false)
    }

    /// Deletes the oldest versions beyond ``versionsMax``.
    private func prune(role: String) async throws {
        let page = try await store.range(.prefix(NetbootKeys.templates(role: role)))
        let versions = page.kvs.sorted { $0.createRevision < $1.createRevision }
        for kv in versions.dropLast(Self.versionsMax) {
            _ = try await store.txn(
                Txn(
                    compares: [Compare(kv.key, .equal, .modRevision(kv.modRevision))],
                    success: [.delete(.key(kv.key))]))
        }
    }

    /// Every role's versions, or one role's, oldest first (without their text).
    public func templates(role: String?) async throws -> [TemplateVersion] {
        let prefix = role.map { NetbootKeys.templates(role: $0) } ?? Array(NetbootKeys.templatesPrefix.utf8)
        let page = try await store.range(.prefix(prefix))
        let records = NetbootCodec.decodeAll(TemplateRecord.self, page.kvs.sorted { $0.createRevision < $1.createRevision })
        let newest = Dictionary(records.map { ($0.role, $0.version) }, uniquingKeysWith: { _, last in last })
        return records.sorted { ($0.role, $0.created) < ($1.role, $1.created) }
            .map { TemplateVersion($0, current: newest[$0.role] == $0.version, withText: false) }
    }

    /// One version with its text (the newest by default).
    public func template(role: String, version: String?) async throws -> TemplateVersion {
        let all = try await templates(role: role)
        guard var info = version.map({ v in all.first { $0.version == v } }) ?? all.last else {
            throw NetbootError(
                .notFound,
                version.map { "role \(role) has no template version \($0); see kiban templates list" }
                    ?? "role \(role) has no template; set one with kiban templates set \(role) VERSION FILE")
        }
        let kv = try await store.get(NetbootKeys.template(role: role, version: info.version))
        info.text = NetbootCodec.decodeAll(TemplateRecord.self, kv.map { [$0] } ?? []).first?.template
        return info
    }

    /// Deletes one version.
    public func deleteTemplate(role: String, version: String, author: ChangeAuthor) async throws {
        let key = NetbootKeys.template(role: role, version: version)
        let deleted = try await store.deleteAudited(key, try author.auditPut("template.delete", role, detail: "version \(version)"))
        guard !deleted.isEmpty else { throw NetbootError(.notFound, "role \(role) has no template version \(version); see kiban templates list") }
    }
}

/// A template version as listings show it; ``text`` only when one version is asked for.
public struct TemplateVersion: Sendable, Hashable {
    public var role: String
    public var version: String
    public var created: Date
    /// The size of the template's text.
    public var bytes: Int
    /// Whether machines of the role get this version (the newest).
    public var current: Bool
    /// The Mustache source.
    public var text: String?

    init(_ record: TemplateRecord, current: Bool, withText: Bool) {
        role = record.role
        version = record.version
        created = record.created
        bytes = record.template.utf8.count
        self.current = current
        text = withText ? record.template : nil
    }
}
