import Foundation
import KibanNodes
import Yams

/// One operation as the admin API shows it (times in seconds since 1970); `output` only for a
/// single operation.
struct OperationView: Codable, Sendable {
    var id: String
    var kind: String
    /// The path, the unit and verb, or the command line.
    var target: String
    var state: String
    var enqueued: Double
    var enqueuedBy: String
    var exitStatus: Int32?
    var finished: Double?
    var output: String?

    init(_ r: OperationRecord, output: Bool) {
        id = r.id
        kind = r.kind
        switch r.operation.action {
        case .writeFile(let path, let content, let mode, let owner): target = "\(path) (\(content.count) bytes, \(String(mode, radix: 8)), \(owner))"
        case .unit(let name, let verb): target = "\(verb.rawValue) \(name)"
        case .command(let argv, let timeout): target = argv.joined(separator: " ") + " (\(timeout) s)"
        }
        state = r.state.rawValue
        enqueued = r.enqueued.timeIntervalSince1970
        enqueuedBy = r.enqueuedBy
        exitStatus = r.result?.exitStatus
        finished = r.result?.finished.timeIntervalSince1970
        self.output = output ? r.result?.output : nil
    }
}

/// The admin side of the operation queue: `kiban nodes ops add|list|show`.
extension Daemon {
    /// Queues the operations of a YAML or JSON document (``OperationDocument`` list) for
    /// `serial`; audited as `nodes.operations.add`.
    func addOperations(serial: String, document: [UInt8], caller: Caller) async throws(ServerError) -> [OperationView] {
        let documents: [OperationDocument]
        do {
            documents = try YAMLDecoder().decode([OperationDocument].self, from: String(decoding: document, as: UTF8.self))
        } catch {
            throw ServerError(.badRequest, "the operations are not a YAML or JSON list of {id, write-file|unit|command}: \(error)")
        }
        do {
            let operations = try OperationDocument.operations(documents)
            let queued = try await operationQueue().enqueue(operations, serial: serial, user: auditActor(caller), now: Date())
            logChange(caller, "nodes ops add \(serial) (\(queued.count) operations)")
            return queued.map { OperationView($0, output: false) }
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// The operations of `serial`, in queue order.
    func operations(serial: String) async throws(ServerError) -> [OperationView] {
        do {
            return try await operationQueue().list(serial: serial).map { OperationView($0, output: false) }
        } catch {
            throw ServerError(answering: error)
        }
    }

    /// One operation of `serial`, with its output.
    func operation(serial: String, id: String) async throws(ServerError) -> OperationView {
        let record: OperationRecord?
        do { record = try await operationQueue().record(serial: serial, id: id) } catch { throw ServerError(answering: error) }
        guard let record else { throw ServerError(.notFound, "machine \(serial) has no operation \(id) (kiban nodes ops list \(serial))") }
        return OperationView(record, output: true)
    }
}
