import ArgumentParser
import Foundation
import KibanAdminAPI

#if canImport(Glibc)
    import Glibc
#endif

extension KVCommand {
    /// `kiban kv watch KEY [--prefix] [--from-revision R]`.
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print changes of a key (or under a prefix) as they happen; Ctrl-C ends it.",
            discussion: """
                Each change prints one line: PUT or DELETE, the revision, the key and the value. With \
                -o json each change is one JSON object per line (JSON lines); with -o yaml one YAML \
                document per change. With --from-revision R the changes since R come first. If R was \
                compacted, the command fails with a message telling you to re-list: run \
                `kiban kv list PREFIX`, then watch from its highest MOD revision + 1.

                  kiban kv watch machines/ --prefix -o json
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The key (or the prefix with --prefix).")
        var key: String
        @Flag(help: "Watch every key starting with KEY.")
        var prefix = false
        @Option(help: "Start from this revision (default: only changes from now on).")
        var fromRevision: Int64 = 0

        func run() throws {
            let path = "/v1/watch?key=\(key.queryEscaped)&prefix=\(prefix)&fromRevision=\(fromRevision)"
            var stream = try AdminStream(AdminClient(socketPath: client.socketPath), "GET", path, timeoutSeconds: 0)
            var buffer: [UInt8] = []
            while let bytes = try stream.next() {
                buffer += bytes
                while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(buffer[..<newline])
                    buffer.removeSubrange(...newline)
                    try show(line)
                    fflush(nil)
                }
            }
            throw AdminClient.Failure(description: "the daemon ended the watch (it stopped?); watch again from the last revision printed + 1")
        }

        private func show(_ line: [UInt8]) throws {
            if let failure = try? JSONDecoder().decode([String: String].self, from: Data(line)), let message = failure["message"] {
                throw AdminClient.Failure(description: message)
            }
            switch client.output {
            case .json: print(String(decoding: line, as: UTF8.self))
            case .yaml:
                print("---")
                client.print(document: line)
            case .table:
                let e = try JSONDecoder().decode(WatchEventInfo.self, from: Data(line))
                print("\(e.type.uppercased()) \(e.revision) \(e.key) \(e.value)")
            }
        }
    }

    /// `kiban kv txn [FILE|-]`.
    struct TxnCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "txn",
            abstract: "Run a transaction from a JSON file (or stdin): compares, then success or failure operations.",
            discussion: """
                Like `etcdctl txn`. If every compare holds, the success operations run, else the \
                failure ones, atomically at one revision. Exit status 1 when the compares did not hold.

                A compare has a key, an op (==, !=, <, >; default ==) and exactly one of value \
                (text), version, createRevision or modRevision (numbers; a missing key has 0 and an \
                empty value). An operation is one of put {key, value}, delete {key, prefix} or \
                get {key, prefix}.

                  echo '{"compare": [{"key": "leader", "value": "boot-1"}],
                         "success": [{"put": {"key": "leader", "value": "boot-2"}}],
                         "failure": [{"get": {"key": "leader"}}]}' | kiban kv txn -
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "The transaction as JSON; - for stdin.")
        var file = "-"

        func run() throws {
            let body: Data
            if file == "-" {
                body = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                body = data
            }
            let (status, json) = try AdminClient(socketPath: client.socketPath).call("POST", "/v1/txn", body: Array(body))
            guard status == 200 else {
                let error = try? JSONDecoder().decode([String: String].self, from: Data(json))
                throw AdminClient.Failure(description: error?["message"] ?? "the daemon answered HTTP \(status)")
            }
            let answer = try JSONDecoder().decode(TxnAnswer.self, from: Data(json))
            var rows = [["SUCCEEDED", "REVISION"], ["\(answer.succeeded)", "\(answer.revision)"], [""], ["OP", "KEY", "MOD", "VALUE"]]
            for r in answer.results {
                switch r.op {
                case "get": rows += (r.kvs ?? []).map { ["get", $0.key, "\($0.modRevision)", $0.value] }
                case "delete": rows.append(["delete", "", "", "\(r.deleted ?? 0) deleted"])
                default: rows.append([r.op, r.previous?.key ?? "", "", ""])
                }
            }
            client.print(json: json, rows: rows)
            guard answer.succeeded else { throw ExitCode(1) }
        }
    }
}
