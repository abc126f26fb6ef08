import Foundation
import KibanAdminAPI
import KibanInventory

/// The inventory's and the PKI's way to the daemon: raw JSON in and out, documents decoded with
/// the module's own codec, machine documents printed in the inventory's formats.
extension ClientOptions {
    /// The inventory's format for ``output``.
    var format: InventoryFormat.Output { InventoryFormat.Output(rawValue: output.rawValue) ?? .table }

    /// Sends a request and returns the answer's JSON; an error answer becomes the daemon's
    /// message and a non-zero exit.
    func send(_ method: String, _ path: String, body: [UInt8] = []) throws -> [UInt8] {
        let (status, json) = try AdminClient(socketPath: socketPath).call(method, path, body: body)
        try AdminClient.check(status: status, json)
        return json
    }

    /// ``send(_:_:body:)`` with a JSON body.
    func send(_ method: String, _ path: String, json body: some Encodable) throws -> [UInt8] {
        try send(method, path, body: Array(try JSONEncoder().encode(body)))
    }

    /// Decodes the daemon's answer.
    func decode<T: Decodable>(_ type: T.Type, _ json: [UInt8], what: String) throws -> T {
        do {
            return try InventoryFormat.fromWire(type, json, what: what)
        } catch {
            throw AdminClient.Failure(description: "\(error.description); are the CLI and the daemon the same version?")
        }
    }

    /// Machine documents in the chosen format.
    func printMachines(_ json: [UInt8]) throws {
        let documents = try decode([MachineDocument].self, json, what: "machine list")
        if output == .table {
            Swift.print(Table.render(InventoryFormat.tableRows(documents)), terminator: "")
        } else {
            Swift.print(try InventoryFormat.encode(documents, as: format), terminator: "")
        }
    }

    /// One machine document, as a one-row table or a document.
    func printMachine(_ json: [UInt8]) throws {
        try printMachines(Array("[".utf8) + json + Array("]".utf8))
    }

    /// A one-number answer (`{"revision": 12}`): a sentence for the table, else the document.
    func printAnswer(_ json: [UInt8], field: String, sentence: (Int64) -> String) throws {
        let value = try decode([String: Int64].self, json, what: "answer")[field] ?? 0
        switch output {
        case .table: Swift.print(sentence(value))
        case .json, .yaml: Swift.print(try InventoryFormat.encode([field: value], as: format), terminator: "")
        }
    }

    /// The contents of `path` (`-` for standard input).
    static func read(_ path: String, what: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AdminClient.Failure(description: "cannot read \(path): give the path of a JSON or YAML \(what) (or - for standard input)")
        }
        return Array(data)
    }
}
