import Foundation
import KibanRaft
import KibanStore
import Logging

/// One line per write, in a single write(2) so lines from concurrent writers never interleave.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A store of one member, quick to elect itself and to snapshot.
func crashOptions(directory: String) -> StoreOptions {
    var options = StoreOptions(id: 1, directory: directory, bootstrap: ConfState(voters: [1]))
    options.tickInterval = .milliseconds(5)
    // Small, so that snapshots and log compaction happen while the process gets killed.
    options.snapshotEntries = 150
    return options
}

let silentLogger = Logger(label: "kiban.store.crash", factory: { _ in SwiftLogNoOpLogHandler() })

/// Puts `c/RUN/W/N` from `writers` concurrent writers until killed, printing `ack KEY REVISION`
/// after each put returned. Returns an exit status only when the store fails.
func write(directory: String, run: String, writers: Int, unsafeSkipFsync: Bool) async -> Int32 {
    var options = crashOptions(directory: directory)
    options.unsafeSkipFsyncForTests = unsafeSkipFsync
    do {
        let store = try await Store.open(options, transport: LocalNetwork().transport(for: 1), logger: silentLogger)
        say(unsafeSkipFsync ? "ready (UNSAFE: fsync skipped)" : "ready")
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
        return 0
    } catch {
        FileHandle.standardError.write(Data("kiban-store-crash: \(error)\n".utf8))
        return 1
    }
}
