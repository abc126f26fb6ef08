import KibanCA
import KibanInstaller
import KibanInventory
import KibanNetboot
import KibanNodes
import KibanStore

/// The one place a failure becomes an admin API answer: each module's error codes to a
/// ``ServerError/Code``, and each code to an HTTP status and a JSON body
/// (`{"error": code, "message": …}`, docs/admin-api.md).
extension ServerError {
    /// Any failure of a daemon call as the admin API's error: the store's, the inventory's, the
    /// PKI's, netboot's and the nodes' codes below, a refused Kubernetes spec; an error of another kind is a bug (`internal`).
    init(answering error: any Error) {
        switch error {
        case let error as ServerError: self = error
        case let error as StoreError: self.init(error)
        case let error as InventoryError: self.init(Self.code(error.code), error.description)
        case let error as CAError: self.init(Self.code(error.code), error.description)
        case let error as NetbootError: self.init(Self.code(error.code), error.description)
        case let error as NodeError: self.init(Self.code(error.code), error.description)
        case let error as SpecError: self.init(.badRequest, error.description)
        default: self.init(.internal, "unexpected failure: \(error)")
        }
    }

    /// A store outcome as an admin answer.
    init(_ error: StoreError) {
        switch error.code {
        case .noLeader, .unavailable, .stopped: self.init(.unavailable, "\(error.message); retry once the cluster has a leader (`kiban status`)")
        case .badRequest, .futureRevision: self.init(.badRequest, error.message)
        case .compacted, .conflict, .watchCancelled: self.init(.conflict, error.message)
        case .leaseNotFound: self.init(.notFound, error.message)
        case .database, .corrupt: self.init(.internal, error.message)
        }
    }

    static func code(_ code: InventoryError.Code) -> Code {
        switch code {
        case .invalidMachine, .invalidIPAM, .invalidInput, .tooLarge: .badRequest
        case .notFound: .notFound
        case .illegalTransition, .duplicateSerial, .rackFull, .ipamLocked, .noIPAM, .notRetired, .conflict: .conflict
        case .unsupportedSchema: .config
        }
    }

    static func code(_ code: CAError.Code) -> Code {
        switch code {
        case .invalidPEM, .invalidRequest, .invalidToken, .invalidInput: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .forbidden, .wrongSecret, .expiredToken: .forbidden
        case .invalidKey: .unavailable
        case .unsupported: .config
        case .keyMismatch, .invalidIdentity, .internal: .internal
        }
    }

    static func code(_ code: NetbootError.Code) -> Code {
        switch code {
        case .notFound: .notFound
        case .conflict: .conflict
        case .unreadable: .internal
        default: .badRequest
        }
    }

    static func code(_ code: NodeError.Code) -> Code {
        switch code {
        case .invalidInput: .badRequest
        case .notFound: .notFound
        case .refused: .conflict
        case .forbidden: .forbidden
        }
    }

    /// The admin API's status for this code.
    var httpStatus: Int {
        switch code {
        case .badRequest: 400
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .unavailable: 503
        case .insufficientStorage: 507
        case .config, .internal: 500
        }
    }

    /// The status and JSON body that answer this error.
    var answer: (status: Int, body: [UInt8]) {
        (httpStatus, AdminRouter.encode(["error": code.rawValue, "message": message]))
    }
}

extension Daemon {
    /// Runs a store call, its failure as the admin API's error (``ServerError/init(_:)``).
    @discardableResult
    func storeCall<T>(_ body: () async throws(StoreError) -> T) async throws(ServerError) -> T {
        do { return try await body() } catch {
            throw ServerError(error)
        }
    }
}
