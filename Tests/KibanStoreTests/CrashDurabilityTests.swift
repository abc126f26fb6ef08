import Foundation
import KibanRaft
import KibanTestSupport
import Testing

@testable import KibanStore

@Suite("Crash durability")
struct CrashDurabilityTests {
    /// Kills per run; `KIBAN_CRASH_KILLS` raises it for a soak run.
    static let kills = Int(ProcessInfo.processInfo.environment["KIBAN_CRASH_KILLS"] ?? "") ?? 50

    @Test("Every acknowledged write survives SIGKILL at random moments, and the files stay sound")
    func killAndReopen() async throws {
        let dir = try TemporaryDirectory("kiban-store-test")
        let data = dir.file("member")
        // KIBAN_CRASH_SEED replays a run; every failure message names the seed.
        let seed = UInt64(ProcessInfo.processInfo.environment["KIBAN_CRASH_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        var rng = SeededRandom(seed: seed)
        var acknowledged: [String: Int64] = [:]
        var killedMidWrite = 0
        for run in 0..<Self.kills {
            let child = try CrashChild(directory: data, run: run, writers: 1 + Int(rng.next() % 8))
            // Kill after a random number of acknowledgements (sometimes before the first).
            let target = Int(rng.next() % 40)
            try await until(timeout: .seconds(30), "the child acknowledged \(target) writes (seed \(seed), run \(run))") {
                !child.isRunning || child.output.filter { $0.hasPrefix("ack ") }.count >= target
            }
            // A writer that died by itself (a crash, a refused open) is a failure, not a kill.
            guard child.isRunning else {
                Issue.record("the writer of run \(run) died before it was killed: \(child.exitDescription) (replay: KIBAN_CRASH_SEED=\(seed))")
                return
            }
            let drained = await child.killAndDrain()
            #expect(drained, "the writer's output did not reach end of file (seed \(seed), run \(run))")
            let acks = child.output.filter { $0.hasPrefix("ack ") }
            if !acks.isEmpty { killedMidWrite += 1 }
            for line in acks {
                let parts = line.split(separator: " ")
                acknowledged[String(parts[1])] = Int64(parts[2])
            }
            try check(directory: data, acknowledged: acknowledged, seed: seed)
        }
        #expect(killedMidWrite > Self.kills / 2)
        #expect(acknowledged.count > Self.kills)
    }

    /// Opens both files directly (no Raft) and checks the invariants.
    private func check(directory: String, acknowledged: [String: Int64], seed: UInt64) throws {
        let log = try SQLiteLogStorage(path: directory + "/raft.db")
        let machine = try StateMachine(path: directory + "/state.db")
        #expect(try log.integrityCheck() == "ok")
        #expect(try machine.db.integrityCheck() == "ok")
        // Applied entries were committed and persisted first.
        #expect(machine.appliedIndex <= log.hardState.commit)
        #expect(log.hardState.commit <= (try log.lastIndex()))
        #expect(machine.appliedIndex + 1 >= (try log.firstIndex()))
        for (key, revision) in acknowledged {
            let kv = try machine.current(Array(key.utf8))
            #expect(kv?.value == Array("v-\(key)".utf8), "acknowledged write \(key) is lost (replay: KIBAN_CRASH_SEED=\(seed))")
            #expect(kv?.modRevision == revision)
        }
    }
}
