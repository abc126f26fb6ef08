import Foundation
import KibanRaft
import KibanStore

/// The writes an `ack KEY REVISION` log names, each with its revision (other lines ignored).
func acknowledgedWrites(in text: String) -> [String: Int64] {
    var writes: [String: Int64] = [:]
    for line in text.split(whereSeparator: \.isNewline) {
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "ack", let revision = Int64(parts[2]) else { continue }
        writes[String(parts[1])] = revision
    }
    return writes
}

/// Checks the store in `directory` after a crash or a power cut: both SQLite files pass
/// `integrity_check`, and once recovered as at a restart (state.db repaired from raft.db, the
/// committed log applied) every write in the `acks` file has its value and revision.
/// Prints one line per problem and a summary; returns 0 when sound, 1 when not, 2 on bad input.
func checkAcknowledged(directory: String, acks: String) async -> Int32 {
    guard FileManager.default.fileExists(atPath: directory + "/raft.db"),
        let text = try? String(contentsOfFile: acks, encoding: .utf8)
    else {
        say("check: no store in \(directory) or no acknowledgements in \(acks)")
        return 2
    }
    let acknowledged = acknowledgedWrites(in: text)
    var problems = integrityProblems(directory: directory)
    say("check: as found: \(indexesAsFound(directory: directory))")
    do {
        let store = try await Store.open(
            crashOptions(directory: directory), transport: LocalNetwork().transport(for: 1),
            logger: silentLogger)
        let found = try await store.range(.prefix(Array("c/".utf8)))
        let status = await store.status
        await store.stop()
        let present = Dictionary(found.kvs.map { (String(decoding: $0.key, as: UTF8.self), $0) }, uniquingKeysWith: { a, _ in a })
        for (key, revision) in acknowledged.sorted(by: { $0.value < $1.value }) {
            guard let kv = present[key] else {
                problems.append("lost: \(key) (revision \(revision))")
                continue
            }
            if kv.value != Array("v-\(key)".utf8) || kv.modRevision != revision {
                problems.append("changed: \(key) has revision \(kv.modRevision), acknowledged \(revision)")
            }
        }
        say("check: recovered to applied index \(status.appliedIndex), revision \(status.revision), \(found.kvs.count) keys")
    } catch {
        problems.append("the store does not recover: \(error)")
    }
    for problem in problems.prefix(20) { say("check: \(problem)") }
    let lost = problems.count { $0.hasPrefix("lost: ") }
    say("check: \(acknowledged.count) acknowledged writes, \(lost) lost, \(problems.count - lost) other problems")
    return problems.isEmpty ? 0 : 1
}

/// `PRAGMA integrity_check` of raft.db and state.db as the crash left them (opening a WAL
/// database recovers its log first, as any restart does).
private func integrityProblems(directory: String) -> [String] {
    var problems: [String] = []
    for file in ["raft.db", "state.db"] {
        do {
            let result = try SQLiteDatabase(path: directory + "/" + file).integrityCheck()
            if result != "ok" { problems.append("\(file) integrity_check: \(result)") }
        } catch {
            problems.append("\(file) cannot be opened: \(error)")
        }
    }
    return problems
}

/// state.db's applied index and raft.db's commit and last index as the crash left them: with
/// state.db at `synchronous=NORMAL` the applied index may trail (recovery applies the rest) and
/// may even lead the commit index, whose commit-only updates raft.db does not fsync.
private func indexesAsFound(directory: String) -> String {
    do {
        let log = try SQLiteLogStorage(path: directory + "/raft.db")
        let state = try SQLiteDatabase(path: directory + "/state.db")
        let applied = try state.integer("SELECT value FROM meta WHERE key = CAST('applied_index' AS BLOB)")
        return "state.db applied \(applied), raft.db commit \(log.hardState.commit), last \(try log.lastIndex())"
    } catch {
        return "unreadable: \(error)"
    }
}
