import Foundation
import KibanAdminAPI
import KibanNetboot
import KibanStore

/// `kiban kernel-params`: an adapter to ``TemplateService``.
extension Daemon {
    /// `kiban kernel-params set ROLE PARAMS`.
    func setKernelParams(role: String, _ body: KernelParamsBody, caller: Caller) async throws(ServerError) -> KernelParamsRecord {
        let templates = TemplateService(store: try requireStore())
        let author = author(caller)
        return try await netboot(caller, "kernel-params.set", role) {
            try await templates.setKernelParams(role: role, params: body.params, author: author)
        }
    }

    /// `kiban kernel-params get [ROLE]`.
    func kernelParams(role: String?) async throws(ServerError) -> [KernelParamsRecord] {
        let templates = TemplateService(store: try requireStore())
        return try await netboot { try await templates.kernelParams(role: role) }
    }
}
