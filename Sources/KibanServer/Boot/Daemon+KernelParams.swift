import Foundation
import KibanNetboot
import KibanStore

/// `PUT /v1/kernel-params/<role>`.
public struct KernelParamsBody: Codable, Sendable {
    public var params: String
}

extension Daemon {
    /// The longest kernel command line accepted (x86 Linux takes 2048 bytes; Kiban adds the
    /// serial and the configuration URL).
    static let kernelParamsBytesMax = 1536

    /// `kiban kernel-params set ROLE PARAMS`.
    func setKernelParams(role: String, _ body: KernelParamsBody, caller: Caller) async throws(ServerError) -> KernelParamsRecord {
        let store = try requireStore()
        try Self.checkName(role, "role")
        let params = try Self.checkedKernelParams(body.params)
        let record = KernelParamsRecord(role: role, params: params)
        let value = try Self.encodeRecord(record)
        let audit = try auditPut(caller, "kernel-params.set", role, detail: params)
        _ = try await storeCall { () throws(StoreError) in
            try await store.txn(Txn(success: [.put(key: NetbootKeys.kernelParams(role: role), value: value, lease: 0), audit]))
        }
        return record
    }

    /// `kiban kernel-params get [ROLE]`.
    func kernelParams(role: String?) async throws(ServerError) -> [KernelParamsRecord] {
        let store = try requireStore()
        let range: KeyRange = role.map { KeyRange.key(NetbootKeys.kernelParams(role: $0)) } ?? .prefix(Array(NetbootKeys.kernelParamsPrefix.utf8))
        let page = try await storeCall { () throws(StoreError) in try await store.range(range) }
        let records = page.kvs.compactMap { try? JSONDecoder().decode(KernelParamsRecord.self, from: Data($0.value)) }
        if let role, records.isEmpty {
            throw ServerError(.notFound, "role \(role) has no kernel parameters; set them with kiban kernel-params set \(role) PARAMS")
        }
        return records.sorted { $0.role < $1.role }
    }

    /// `params` without surrounding blanks, or why it cannot be a kernel command line.
    static func checkedKernelParams(_ params: String) throws(ServerError) -> String {
        let params = params.trimmingCharacters(in: .whitespaces)
        guard params.utf8.count <= kernelParamsBytesMax else {
            throw ServerError(.badRequest, "kernel parameters are at most \(kernelParamsBytesMax) bytes (got \(params.utf8.count))")
        }
        guard !params.contains(where: { $0.isNewline || $0 == "$" }) else {
            throw ServerError(.badRequest, "kernel parameters must be one line without '$' (iPXE would expand it)")
        }
        return params
    }
}
