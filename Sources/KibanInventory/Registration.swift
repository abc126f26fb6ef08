public import Foundation

/// Registers machines against an inventory, all or nothing: assigns each its index in its rack
/// and computes its addresses, or reports every problem at once.
public enum Registrar {
    /// The machines to add, in input order, or every problem found (input order).
    ///
    /// A `boot` machine takes the rack's first index (`node-index-offset`), one per rack; the
    /// others take the lowest free index up to `node-index-offset + max-nodes-in-rack`.
    public static func register(
        _ new: [MachineRegistration], existing: [Machine], ipam: IPAMConfig,
        now: Date
    ) -> Result<[Machine], RegistrationProblems> {
        var problems: [String] = []
        var serials = Set(existing.map(\.serial))
        var taken: [Int: Set<Int>] = [:]
        for m in existing { taken[m.registration.rack, default: []].insert(m.indexInRack) }
        var added: [Machine] = []
        for (n, r) in new.enumerated() {
            let at = "machine \(n + 1) (\(r.serial.isEmpty ? "no serial" : r.serial))"
            if let problem = check(r, racksMax: ipam.racksMax) {
                problems.append("\(at): \(problem)")
                continue
            }
            guard serials.insert(r.serial).inserted else {
                problems.append("\(at): serial \(r.serial) is already registered")
                continue
            }
            guard let index = assignIndex(role: r.role, rack: r.rack, taken: taken[r.rack] ?? [], ipam: ipam) else {
                problems.append(
                    r.role == "boot"
                        ? "\(at): rack \(r.rack) already has a boot server (index \(ipam.nodeIndexOffset))"
                        : "\(at): rack \(r.rack) is full (\(ipam.maxNodesInRack) machines)")
                continue
            }
            taken[r.rack, default: []].insert(index)
            added.append(
                Machine(
                    registration: r, indexInRack: index,
                    ipv4: ipam.nodeAddresses(rack: r.rack, index: index),
                    bmcIPv4: ipam.bmcAddress(rack: r.rack, index: index),
                    registerDate: now, state: .uninitialized, stateTimestamp: now))
        }
        return problems.isEmpty ? .success(added) : .failure(RegistrationProblems(problems: problems))
    }

    static func assignIndex(role: String, rack: Int, taken: Set<Int>, ipam: IPAMConfig) -> Int? {
        if role == "boot" {
            return taken.contains(ipam.nodeIndexOffset) ? nil : ipam.nodeIndexOffset
        }
        return ipam.nodeIndexes.first { !taken.contains($0) }
    }

    static func check(_ r: MachineRegistration, racksMax: Int) -> String? {
        if r.serial.isEmpty { return "serial is empty" }
        if r.serial.contains(where: { $0 == "/" || $0.isWhitespace || !$0.isASCII }) {
            return "serial must be printable ASCII without spaces or '/'"
        }
        if r.rack < 0 { return "rack must not be negative" }
        if r.rack >= racksMax {
            return "rack \(r.rack) is outside the address plan: its pools hold racks 0 to \(racksMax - 1)"
        }
        if r.role.isEmpty { return "role is empty" }
        if r.bmcType.isEmpty { return "bmc.type is empty" }
        return nil
    }
}

/// Every problem in a registration, so an operator fixes the file once.
public struct RegistrationProblems: Error, Sendable, Hashable, CustomStringConvertible {
    /// One sentence per problem.
    public var problems: [String]

    public var description: String {
        "\(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was registered:\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
