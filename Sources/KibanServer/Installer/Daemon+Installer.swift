import Foundation
import KibanAdminAPI
import KibanInstaller

/// The installer's admin calls (`kiban k8s …`); the rules are `InstallerService`'s.
extension Daemon {
    /// `kiban k8s spec set FILE`.
    func setK8sSpec(document: [UInt8], caller: Caller) async throws(ServerError) -> InstallerService.StoredSpec {
        do {
            let installer = InstallerService(store: try requireStore(), inventory: try inventoryService())
            let stored = try await installer.setSpec(document: document, audit: auditEntry(caller, "k8s.spec.set", ""))
            logChange(caller, "k8s spec set \(stored.spec.name)")
            return stored
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban k8s spec get`.
    func k8sSpec() async throws(ServerError) -> InstallerService.StoredSpec {
        do {
            guard let stored = try await InstallerService(store: try requireStore(), inventory: try inventoryService()).spec() else {
                throw ServerError(.notFound, "no Kubernetes cluster spec is set; set one with kiban k8s spec set FILE (docs/installer.md)")
            }
            return stored
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// `kiban k8s plan`.
    func k8sPlan() async throws(ServerError) -> PlanView {
        do {
            guard let (_, decision) = try await InstallerService(store: try requireStore(), inventory: try inventoryService()).plan() else {
                throw ServerError(.notFound, "no Kubernetes cluster spec is set; set one with kiban k8s spec set FILE (docs/installer.md)")
            }
            return PlanView(steps: decision.steps.map(\.id), waiting: decision.waiting, blocked: decision.blocked)
        } catch {
            throw ServerError(answering: error)
        }
    }
}
