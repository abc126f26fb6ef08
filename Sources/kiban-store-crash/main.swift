// A single-member store that writes until it is killed, printing each write once it is
// acknowledged: `kiban-store-crash DIR RUN WRITERS`. The crash-durability test runs it, kills it
// with SIGKILL at a random moment, and checks that every printed write survived.
import Foundation
import KibanRaft
import KibanStore
import Logging

let arguments = CommandLine.arguments
guard arguments.count == 4, let writers = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: kiban-store-crash DIR RUN WRITERS\n".utf8))
    exit(2)
}
let directory = arguments[1]
let run = arguments[2]

var options = StoreOptions(id: 1, directory: directory, bootstrap: ConfState(voters: [1]))
options.tickInterval = .milliseconds(5)
// Small, so that snapshots and log compaction happen while the process gets killed.
options.snapshotEntries = 150
let logger = Logger(label: "kiban.store.crash", factory: { _ in SwiftLogNoOpLogHandler() })

/// One line per write, in a single write(2) so lines from concurrent writers never interleave.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

do {
    let store = try await Store.open(options, transport: LocalNetwork().transport(for: 1), logger: logger)
    say("ready")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                for n in 0... {
                    let key = "c/\(run)/\(w)/\(n)"
                    let revision = try await store.put(Array(key.utf8), Array("v-\(key)".utf8))
                    say("ack \(key) \(revision)")
                }
            }
        }
        try await group.waitForAll()
    }
} catch {
    FileHandle.standardError.write(Data("kiban-store-crash: \(error)\n".utf8))
    exit(1)
}
