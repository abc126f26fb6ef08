import Foundation
import KibanInventory
import KibanNodes
import Testing

@Suite("What agents send and receive is bounded and checked")
struct NodeDocumentTests {
    @Test("A plausible facts report has no problems")
    func goodFacts() {
        let facts = NodeFacts(
            serial: "KB-SN-0001", nics: [.init(name: "eno1", mac: "52:54:00:4b:01:01")],
            disks: [.init(name: "nvme0n1", bytes: 1 << 40)], kernel: "6.1.0-28-amd64",
            osRelease: "Debian GNU/Linux 12 (bookworm)", agentVersion: "0.1.0")
        #expect(facts.problems.isEmpty)
    }

    @Test("Facts past their bounds are refused, each reason listed")
    func badFacts() {
        let facts = NodeFacts(
            serial: "../x", nics: Array(repeating: .init(name: "e\u{1b}[2J", mac: "52:54:00:4B:01:01"), count: 65),
            disks: [.init(name: String(repeating: "d", count: 65), bytes: 1)],
            kernel: String(repeating: "k", count: 257))
        let problems = facts.problems
        #expect(problems.contains { $0.hasPrefix("serial must be") })
        #expect(problems.contains("at most 64 network interfaces"))
        #expect(problems.contains { $0.contains("is not a MAC address") })
        #expect(problems.contains { $0.contains("not printable") })
        #expect(problems.contains { $0.hasPrefix("kernel is longer") })
        #expect(problems.count < 200, "the list itself stays bounded")
    }

    @Test("Serials that could leave a key or a path are refused", arguments: ["", ".", "..", "a/b", "a b", String(repeating: "x", count: 65)])
    func serials(serial: String) {
        #expect(!NodeFacts.isName(serial))
    }

    @Test("A check names exactly one kind; a command's timeout is bounded; names are unique")
    func checks() {
        #expect(HealthCheck(name: "kubelet", unit: "kubelet.service").problems.isEmpty)
        #expect(HealthCheck(name: "ntp", command: ["chronyc", "waitsync", "1"], timeoutSeconds: 5).problems.isEmpty)
        #expect(!HealthCheck(name: "two", unit: "a.service", path: "/dev/sda").problems.isEmpty)
        #expect(!HealthCheck(name: "none").problems.isEmpty)
        #expect(!HealthCheck(name: "slow", command: ["sleep", "100"], timeoutSeconds: 61).problems.isEmpty)
        #expect(!HealthCheck(name: "rel", path: "/dev/../etc/shadow").problems.isEmpty)
        let twice = HealthCheck.problems(of: [HealthCheck(name: "a", unit: "x.service"), HealthCheck(name: "a", unit: "y.service")])
        #expect(twice == ["check 'a' appears twice"])
    }

    @Test("Operations: clean absolute paths, bounded files and timeouts, user:group owners")
    func operations() {
        let file = AgentOperation(
            id: "write-kubelet-1", action: .writeFile(path: "/etc/kubernetes/kubelet.conf", content: Data("x".utf8), mode: 0o600, owner: "root:root"))
        #expect(file.problems.isEmpty)
        for path in ["etc/x", "/etc/../shadow", "/etc//x", "/etc/x/", "/./x"] {
            let op = AgentOperation(id: "p", action: .writeFile(path: path, content: Data(), mode: 0o644, owner: "root:root"))
            #expect(!op.problems.isEmpty, "\(path) should be refused")
        }
        #expect(!AgentOperation(id: "m", action: .writeFile(path: "/x", content: Data(), mode: 0o17777, owner: "root:root")).problems.isEmpty)
        #expect(!AgentOperation(id: "o", action: .writeFile(path: "/x", content: Data(), mode: 0o644, owner: "root")).problems.isEmpty)
        #expect(!AgentOperation(id: "t", action: .command(argv: ["true"], timeoutSeconds: 0)).problems.isEmpty)
        #expect(!AgentOperation(id: "u", action: .unit(name: "--help", verb: .start)).problems.isEmpty)
        #expect(AgentOperation(id: "u", action: .unit(name: "kubelet.service", verb: .restart)).problems.isEmpty)
    }

    @Test("An operation's result keeps only the last 16 KiB of output")
    func resultOutput() {
        let result = OperationResult(id: "a", succeeded: true, output: String(repeating: "a", count: 20_000) + "END", finished: Date())
        #expect(result.output.utf8.count == OperationResult.outputMax)
        #expect(result.output.hasSuffix("END"))
    }

    @Test("Operations round-trip through JSON")
    func roundTrip() throws {
        let op = AgentOperation(id: "c", action: .command(argv: ["systemctl", "daemon-reload"], timeoutSeconds: 30))
        let back = try JSONDecoder().decode(AgentOperation.self, from: JSONEncoder().encode(op))
        #expect(back == op)
    }
}

@Suite("Who may enroll")
struct EnrollmentPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func machine(_ state: MachineState) -> Machine {
        let registration = MachineRegistration(serial: "KB-1", rack: 1, role: "worker", bmcType: "IPMI-2.0")
        return Machine(registration: registration, indexInRack: 4, ipv4: [], bmcIPv4: IPv4(0), registerDate: now, state: state, stateTimestamp: now)
    }

    @Test("A registered machine without a certificate may enroll")
    func allowed() {
        #expect(EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.uninitialized), issued: nil, now: now) == nil)
    }

    @Test("Unknown, retiring, retired, or already enrolled machines are refused with the reason")
    func refused() {
        #expect(EnrollmentPolicy.refusal(serial: "KB-9", machine: nil, issued: nil, now: now)?.contains("not in the inventory") == true)
        #expect(EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.retiring), issued: nil, now: now)?.contains("retiring") == true)
        #expect(EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.retired), issued: nil, now: now)?.contains("retired") == true)
        let valid = EnrollmentPolicy.Issued(certificateSerial: "0a1b", notAfter: now + 86_400)
        #expect(
            EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.healthy), issued: valid, now: now)?.contains("already holds node certificate 0a1b")
                == true)
    }

    @Test("An expired or revoked certificate does not block a new enrollment")
    func stale() {
        let expired = EnrollmentPolicy.Issued(certificateSerial: "01", notAfter: now - 1)
        let revoked = EnrollmentPolicy.Issued(certificateSerial: "02", notAfter: now + 86_400, revoked: true)
        #expect(EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.healthy), issued: expired, now: now) == nil)
        #expect(EnrollmentPolicy.refusal(serial: "KB-1", machine: machine(.unreachable), issued: revoked, now: now) == nil)
    }
}
