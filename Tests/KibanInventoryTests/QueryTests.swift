import Foundation
import KibanInventory
import KibanTestSupport
import Testing

@Suite("Machine queries")
struct QueryTests {
    @Test("Values are ORed, labels ANDed, without- excludes, and the store narrows by rack and state")
    func semantics() async throws {
        let (cluster, inventory) = try await exampleInventory()
        try await inventory.importMachines(
            [
                reg("a", rack: 0, labels: ["product": "R630", "zone": "z1"]),
                reg("b", rack: 0, role: "ss", labels: ["product": "R640", "zone": "z1"]),
                reg("c", rack: 1, labels: ["product": "R630", "zone": "z2"]),
                reg("d", rack: 2, role: "boot"),
            ], user: "alice", now: t0)
        try await inventory.setState("c", .healthy, user: "alice", now: t0)
        func q(_ p: [(String, String)]) async throws -> [String] {
            try await inventory.machines(MachineQuery(parameters: p.map { (name: $0.0, value: $0.1) })).map(\.serial)
        }
        #expect(try await q([]) == ["a", "b", "c", "d"])
        #expect(try await q([("rack", "0,2")]) == ["a", "b", "d"])
        #expect(try await q([("role", "cs")]) == ["a", "c"])
        #expect(try await q([("state", "healthy")]) == ["c"])
        #expect(try await q([("labels", "product=R630,zone=z1")]) == ["a"])
        #expect(try await q([("labels", "product=R630"), ("labels", "product=R640")]) == ["a", "b", "c"])
        #expect(try await q([("labels", "zone=z1"), ("without-role", "ss")]) == ["a"])
        #expect(try await q([("rack", "0"), ("state", "uninitialized"), ("without-serial", "a")]) == ["b"])
        #expect(try await q([("without-state", "uninitialized")]) == ["c"])
        #expect(try await q([("serial", "a,d,zz")]) == ["a", "d"])
        #expect(try await q([("ipv4", "10.69.0.4")]) == ["a"])
        #expect(try await q([("without-labels", "zone=z2")]) == ["a", "b", "d"])
        await cluster.stop()
    }

    @Test("A query with unknown parameters or bad values lists every problem")
    func badParameters() throws {
        let error = #expect(throws: InventoryError.self) {
            try MachineQuery(parameters: [("rack", "x"), ("state", "happy"), ("colour", "red"), ("labels", "novalue")])
        }
        #expect(error?.problems.count == 4)
    }
}
