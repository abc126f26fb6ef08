import KibanInventory
import Testing

@Suite("Machine lifecycle")
struct LifecycleTests {
    /// sabakan's table, written out pair by pair: (from, to, allowed).
    static let table: [(MachineState, MachineState, Bool)] = {
        let allowed: Set<String> = [
            "uninitialized>healthy", "uninitialized>retiring",
            "healthy>unhealthy", "healthy>unreachable", "healthy>updating", "healthy>retiring",
            "unhealthy>healthy", "unhealthy>unreachable", "unhealthy>updating", "unhealthy>retiring",
            "unreachable>healthy", "unreachable>unhealthy", "unreachable>updating", "unreachable>retiring",
            "updating>uninitialized", "retiring>retired", "retired>uninitialized",
        ]
        return MachineState.allCases.flatMap { from in
            MachineState.allCases.map { to in (from, to, from == to || allowed.contains("\(from)>\(to)")) }
        }
    }()

    @Test("Every pair of states follows the transition table", arguments: table)
    func transition(from: MachineState, to: MachineState, allowed: Bool) {
        do {
            try from.check(transitionTo: to)
            #expect(allowed, "\(from) → \(to) should be refused")
        } catch {
            #expect(!allowed, "\(from) → \(to) should be allowed")
            #expect(error.code == .illegalTransition)
            #expect(error.message.contains("allowed:"))
        }
    }
}
