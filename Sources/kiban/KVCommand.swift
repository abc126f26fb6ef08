import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban kv get|put|del|list|watch|txn|compact`: the store's keys, for debugging and scripts.
struct KVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Read and write the replicated store's keys.",
        subcommands: [Get.self, Put.self, Del.self, List.self, Watch.self, TxnCommand.self, Compact.self])

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a key's value (linearizable); exit 1 if absent.")
        @OptionGroup var client: ClientOptions
        @Argument var key: String

        func run() throws {
            let (kvs, json) = try client.call("GET", "/v1/kv?key=\(key.queryEscaped)", as: [KVInfo].self)
            guard let kv = kvs.first else {
                if client.output != .table { client.print(json: json, rows: []) }
                throw ExitCode(1)
            }
            switch client.output {
            case .json, .yaml: client.print(json: json, rows: [])
            case .table: print(kv.value)
            }
        }
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a key (from any member: followers forward).")
        @OptionGroup var client: ClientOptions
        @Argument var key: String
        @Argument var value: String
        @Option(help: "Compare-and-swap: write only if the key's mod revision is this (0: absent).")
        var expectModRevision: Int64?

        func run() throws {
            let body = KVPutBody(key: key, value: value, expectModRevision: expectModRevision)
            let (result, json) = try client.call("PUT", "/v1/kv", body: body, as: KVPutResult.self)
            client.print(json: json, rows: [["SUCCEEDED", "REVISION"], ["\(result.succeeded)", "\(result.revision)"]])
            guard result.succeeded else { throw ExitCode(1) }
        }
    }

    struct Del: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key, or every key under a prefix.")
        @OptionGroup var client: ClientOptions
        @Argument var key: String
        @Flag(help: "Delete every key starting with KEY.")
        var prefix = false

        func run() throws {
            let (answer, json) = try client.call("DELETE", "/v1/kv?key=\(key.queryEscaped)&prefix=\(prefix)", as: [String: Int].self)
            client.print(json: json, rows: [["DELETED"], ["\(answer["deleted"] ?? 0)"]])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys under a prefix.")
        @OptionGroup var client: ClientOptions
        @Argument var prefix: String = ""

        func run() throws {
            let (kvs, json) = try client.call("GET", "/v1/kv?key=\(prefix.queryEscaped)&prefix=true", as: [KVInfo].self)
            client.print(json: json, rows: [["KEY", "MOD", "VALUE"]] + kvs.map { [$0.key, "\($0.modRevision)", $0.value] })
        }
    }
}

extension KVCommand {
    /// `kiban kv compact REVISION`.
    struct Compact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget the history before REVISION (watches and reads of older revisions then fail).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The first revision to keep (`kiban status -o json` shows the current one).")
        var revision: Int64

        func run() throws {
            let (_, json) = try client.call("POST", "/v1/compact", body: ["revision": revision], as: [String: Int64].self)
            client.print(json: json, rows: [["COMPACTED"], ["\(revision)"]])
        }
    }
}

extension String {
    var queryEscaped: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~/"))) ?? self
    }
}
