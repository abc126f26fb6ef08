/// A machine's lifecycle state (sabakan's `MachineState`). Kiban stores states; controllers
/// and operators set them.
public enum MachineState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case uninitialized, healthy, unhealthy, unreachable, updating, retiring, retired

    public var description: String { rawValue }

    /// The allowed transitions, as data (sabakan machines.go `permittedTransitions`).
    public static let transitions: [MachineState: Set<MachineState>] = [
        .uninitialized: [.healthy, .retiring],
        .healthy: [.unhealthy, .unreachable, .updating, .retiring],
        .unhealthy: [.healthy, .unreachable, .updating, .retiring],
        .unreachable: [.healthy, .unhealthy, .updating, .retiring],
        .updating: [.uninitialized],
        .retiring: [.retired],
        .retired: [.uninitialized],
    ]

    /// The states this one may move to, in a stable order.
    public var allowedNext: [MachineState] {
        Self.allCases.filter { Self.transitions[self]?.contains($0) == true }
    }

    /// Checks a move; setting the current state again is allowed and changes nothing.
    /// - Throws: ``InventoryError`` `illegalTransition`, naming the allowed states.
    public func check(transitionTo next: MachineState) throws(InventoryError) {
        guard next != self, Self.transitions[self]?.contains(next) != true else { return }
        throw InventoryError(
            .illegalTransition,
            "a \(self) machine cannot become \(next); allowed: \(allowedNext.map(\.rawValue).joined(separator: ", "))")
    }
}
