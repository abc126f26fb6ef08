import Foundation
import KibanStore

/// The kernel parameters a role's machines boot with.
extension TemplateService {
    /// Sets role `role`'s kernel parameters.
    @discardableResult
    public func setKernelParams(role: String, params: String, author: ChangeAuthor) async throws -> KernelParamsRecord {
        try NetbootCodec.checkName(role, "role")
        let params = try KernelCommandLine.checked(params)
        let record = KernelParamsRecord(role: role, params: params)
        let put = KibanStore.Operation.put(key: NetbootKeys.kernelParams(role: role), value: try NetbootCodec.encode(record), lease: 0)
        _ = try await store.txn(Txn(success: [put, try author.auditPut("kernel-params.set", role, detail: params)]))
        return record
    }

    /// One role's kernel parameters, or every role's (by role).
    public func kernelParams(role: String?) async throws -> [KernelParamsRecord] {
        let range: KeyRange = role.map { .key(NetbootKeys.kernelParams(role: $0)) } ?? .prefix(Array(NetbootKeys.kernelParamsPrefix.utf8))
        let records = NetbootCodec.decodeAll(KernelParamsRecord.self, try await store.range(range).kvs)
        if let role, records.isEmpty {
            throw NetbootError(.notFound, "role \(role) has no kernel parameters; set them with kiban kernel-params set \(role) PARAMS")
        }
        return records.sorted { $0.role < $1.role }
    }
}
