import Foundation
import KibanAdminAPI
import KibanNetboot
import KibanStore

extension TemplateInfo {
    init(_ v: TemplateVersion) {
        self.init(
            role: v.role, version: v.version, created: v.created.timeIntervalSince1970, bytes: v.bytes,
            current: v.current, template: v.text)
    }
}

/// `kiban templates`: an adapter to ``TemplateService``.
extension Daemon {
    /// `kiban templates set ROLE VERSION FILE`: stores a new version (never overwrites one).
    func setTemplate(role: String, _ body: TemplateSetBody, caller: Caller) async throws(ServerError) -> TemplateInfo {
        let templates = TemplateService(store: try requireStore())
        let author = author(caller)
        return TemplateInfo(
            try await netboot(caller, "template.set", role) {
                try await templates.setTemplate(role: role, version: body.version, text: body.template, author: author)
            })
    }

    /// `kiban templates list`: every role's versions, or one role's (oldest first).
    func templates(role: String?) async throws(ServerError) -> [TemplateInfo] {
        let templates = TemplateService(store: try requireStore())
        return try await netboot { try await templates.templates(role: role) }.map(TemplateInfo.init)
    }

    /// `kiban templates get ROLE [VERSION]`: one version with its text (the newest by default).
    func template(role: String, version: String?) async throws(ServerError) -> TemplateInfo {
        let templates = TemplateService(store: try requireStore())
        return TemplateInfo(try await netboot { try await templates.template(role: role, version: version) })
    }

    /// `kiban templates delete ROLE VERSION`.
    func deleteTemplate(role: String, version: String, caller: Caller) async throws(ServerError) -> [String: String] {
        let templates = TemplateService(store: try requireStore())
        let author = author(caller)
        try await netboot(caller, "template.delete", role) { try await templates.deleteTemplate(role: role, version: version, author: author) }
        return ["role": role, "deleted": version]
    }
}
