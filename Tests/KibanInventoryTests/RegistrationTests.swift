import Foundation
import KibanInventory
import KibanTestSupport
import Testing

@Suite("Machine registration")
struct RegistrationTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("A sabakan machines file is accepted as it is")
    func sabakanFile() throws {
        let json = """
            [
              { "serial": "1234abcd", "labels": {"product": "R630"}, "rack": 1, "role": "boot", "bmc": { "type": "iDRAC-9" } },
              { "serial": "2345bcde", "rack": 1, "role": "cs", "bmc": { "type": "IPMI-2.0" } }
            ]
            """
        let regs = try JSONDecoder().decode([MachineRegistration].self, from: Data(json.utf8))
        let machines = try Registrar.register(regs, existing: [], ipam: try exampleIPAM(), now: now).get()
        #expect(machines.map(\.indexInRack) == [3, 4])
        #expect(machines[0].ipv4.first?.description == "10.69.0.195")
        #expect(machines[1].registration.labels.isEmpty)
        #expect(machines.allSatisfy { $0.state == .uninitialized })
    }

    @Test("Non-boot machines take the lowest free index; boot takes the rack's first")
    func indexes() throws {
        let ipam = try exampleIPAM()
        let first = try Registrar.register(
            [reg("a", rack: 0), reg("b", rack: 0), reg("c", rack: 0)],
            existing: [], ipam: ipam, now: now
        ).get()
        #expect(first.map(\.indexInRack) == [4, 5, 6])
        let remaining = first.filter { $0.serial != "b" }
        let second = try Registrar.register(
            [reg("d", rack: 0), reg("boot0", rack: 0, role: "boot")],
            existing: remaining, ipam: ipam, now: now
        ).get()
        #expect(second.map(\.indexInRack) == [5, 3])
    }

    @Test("Every problem in an import is reported at once and nothing is registered")
    func allProblemsAtOnce() throws {
        let ipam = try exampleIPAM()
        let existing = try Registrar.register([reg("x", rack: 2, role: "boot")], existing: [], ipam: ipam, now: now).get()
        let result = Registrar.register(
            [
                reg("ok", rack: 2), reg("x", rack: 2), reg("", rack: 2),
                reg("b2", rack: 2, role: "boot"), reg("has space", rack: 2),
            ],
            existing: existing, ipam: ipam, now: now)
        guard case .failure(let problems) = result else {
            Issue.record("import with errors was accepted")
            return
        }
        #expect(problems.problems.count == 4)
        #expect(problems.problems[0].contains("already registered"))
        #expect(problems.problems[2].contains("boot server"))
    }

    @Test("A full rack refuses the next machine")
    func rackFull() throws {
        let ipam = try exampleIPAM()
        let full = (0..<ipam.maxNodesInRack).map { reg("m\($0)", rack: 7) }
        let machines = try Registrar.register(full, existing: [], ipam: ipam, now: now).get()
        let result = Registrar.register([reg("one-more", rack: 7)], existing: machines, ipam: ipam, now: now)
        #expect(throws: RegistrationProblems.self) { try result.get() }
    }

    private func reg(_ serial: String, rack: Int, role: String = "cs") -> MachineRegistration {
        MachineRegistration(serial: serial, rack: rack, role: role, bmcType: "IPMI-2.0")
    }
}
