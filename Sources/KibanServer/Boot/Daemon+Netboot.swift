import Foundation
import KibanNetboot
import KibanStore

/// The netboot services on this member's store (``CatalogService``, ``TemplateService``,
/// ``DHCPSettingsService``): the rules live there; the daemon names the caller in the audit
/// entries, counts and logs the change, and maps the failures to the admin API's errors.
extension Daemon {
    /// The catalog of the running member, which counts presence of current members only.
    func catalogService() throws(ServerError) -> CatalogService {
        var catalog = CatalogService(store: try requireStore())
        catalog.members = { [directory] in Set(directory.all.map(\.name)) }
        return catalog
    }

    /// Who makes a change `caller` asked for, now.
    func author(_ caller: Caller) -> ChangeAuthor {
        ChangeAuthor(actor: auditActor(caller), member: caller.member ?? memberName, time: Date())
    }

    /// Runs a netboot read or, with `action`, a change that `caller` asked for (logged and
    /// counted with its audit entry once it succeeded).
    func netboot<T>(
        _ caller: Caller? = nil, _ action: String? = nil, _ subject: String = "",
        _ body: () async throws -> T
    ) async throws(ServerError) -> T {
        let value: T
        do { value = try await body() } catch { throw ServerError(answering: error) }
        if let caller, let action {
            logger.notice(
                "audit",
                metadata: [
                    "kiban.server.uid": "\(caller.uid)", "kiban.server.action": "\(action)",
                    "kiban.server.subject": "\(subject)",
                ])
            AdminMetrics(factory: metrics.factory).audited()
        }
        return value
    }
}
