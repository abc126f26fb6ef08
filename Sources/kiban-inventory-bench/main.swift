// Inventory benchmark: import MACHINES machines across RACKS racks in one call, then query by
// rack and by state, on an in-process cluster of MEMBERS stores (real SQLite files in a temp
// directory, LocalTransport between them). Prints one line per figure.
// Usage: kiban-inventory-bench [MACHINES] [RACKS] [MEMBERS] [QUERIES]
import Foundation
import KibanInventory
import KibanRaft
import KibanStore
import Logging

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let machineCount = args.first ?? 5000
let rackCount = args.dropFirst().first ?? 100
let memberCount = args.dropFirst(2).first ?? 3
let queryCount = args.dropFirst(3).first ?? 200
let clock = ContinuousClock()
let now = Date()

let directory = NSTemporaryDirectory() + "kiban-inventory-bench-\(UUID().uuidString)"
defer { try? FileManager.default.removeItem(atPath: directory) }
let stores = try await openCluster(size: memberCount, directory: directory)
let inventory = InventoryService(store: stores[0])
try await inventory.setIPAM(try benchIPAM(perRack: (machineCount + rackCount - 1) / rackCount), user: "bench", now: now)

let registrations = (0..<machineCount).map {
    MachineRegistration(
        serial: String(format: "SN%06d", $0), labels: ["product": "R6\($0 % 3)0", "zone": "z\($0 % 4)"],
        rack: $0 % rackCount, role: $0 % 50 == 0 ? "ss" : "cs", bmcType: "IPMI-2.0")
}
let importStart = clock.now
try await inventory.importMachines(registrations, user: "bench", now: now)
report(
    "import \(machineCount) machines, \(rackCount) racks, one call, \(memberCount) member(s)",
    ms(clock.now - importStart), "ms")

// Some machines change state so that a state query selects a part of the inventory.
var setStateLatencies: [Double] = []
for i in stride(from: 0, to: machineCount, by: max(1, machineCount / 100)) {
    let t = clock.now
    try await inventory.setState(registrations[i].serial, .healthy, user: "bench", now: now)
    setStateLatencies.append(ms(clock.now - t))
}
percentiles("set-state (leader member)", setStateLatencies)

for (name, member) in memberCount > 1 ? [("leader member", 0), ("a follower", memberCount - 1)] : [("the member", 0)] {
    let service = InventoryService(store: stores[member])
    try await timeQueries("query rack=R (\(machineCount / rackCount) machines), \(name)", service) { i in
        [("rack", String(i % rackCount))]
    }
    try await timeQueries("query state=healthy (100 machines), \(name)", service) { _ in [("state", "healthy")] }
}
try await timeQueries("query state=uninitialized (\(machineCount - 100) machines)", inventory, count: 20) { _ in
    [("state", "uninitialized")]
}
try await timeQueries("query labels=zone=z1 role=ss (all machines scanned)", inventory, count: 20) { _ in
    [("labels", "zone=z1"), ("role", "ss")]
}
// What a full scan costs in the store alone (no decoding), to tell it from JSON decoding.
var rangeLatencies: [Double] = []
for _ in 0..<20 {
    let t = clock.now
    _ = try await stores[0].range(.prefix(Array("inventory/machines/".utf8)))
    rangeLatencies.append(ms(clock.now - t))
}
percentiles("store range of all \(machineCount) machine keys, no decoding", rangeLatencies)
report("resident memory now (VmRSS, all \(memberCount) members in this process)", memoryKiB("VmRSS") / 1024, "MiB")
report("resident memory peak (VmHWM)", memoryKiB("VmHWM") / 1024, "MiB")
for s in stores { await s.stop() }

func timeQueries(
    _ label: String, _ service: InventoryService, count: Int = queryCount,
    _ parameters: (Int) -> [(name: String, value: String)]
) async throws {
    var latencies: [Double] = []
    for i in 0..<count {
        let query = try MachineQuery(parameters: parameters(i))
        let t = clock.now
        _ = try await service.machines(query)
        latencies.append(ms(clock.now - t))
    }
    percentiles(label, latencies)
}

func percentiles(_ label: String, _ values: [Double]) {
    let sorted = values.sorted()
    let at = { (p: Double) in sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    print(
        label.padding(toLength: 72, withPad: " ", startingAt: 0)
            + String(format: "p50 %8.2f ms  p99 %8.2f ms  (n=%d)", at(0.5), at(0.99), values.count))
}

func report(_ label: String, _ value: Double, _ unit: String) {
    print(label.padding(toLength: 72, withPad: " ", startingAt: 0) + String(format: "%10.1f ", value) + unit)
}

func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15 }

/// A line of /proc/self/status in KiB (Linux).
func memoryKiB(_ field: String) -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
    return Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// sabakan's example plan, widened so that a rack holds `perRack` machines: a rack's range
/// needs room for the index offset (3), the machines and the lease range above them.
func benchIPAM(perRack: Int) throws -> IPAMConfig {
    let bits = Int(log2(Double(perRack + 5)).rounded(.up))
    guard let nodePool = IPv4Network("10.64.0.0/12"), let bmcPool = IPv4Network("10.80.0.0/12") else {
        throw InventoryError(.invalidIPAM, "bench pools do not parse")
    }
    return IPAMConfig(
        maxNodesInRack: perRack, nodeIPv4Pool: nodePool, nodeIPv4RangeSize: bits,
        nodeIPv4RangeMask: 32 - bits, nodeIPPerNode: 3, nodeIndexOffset: 3, nodeGatewayOffset: 1,
        bmcIPv4Pool: bmcPool, bmcIPv4RangeSize: bits, bmcIPv4RangeMask: 32 - bits,
        bmcIPv4GatewayOffset: 1)
}

/// Opens `size` members; returns them with the leader first, once one leads, so the figures
/// do not include an election.
func openCluster(size: Int, directory: String) async throws -> [Store] {
    let network = LocalNetwork()
    let voters = Set((1...NodeID(size)).map { $0 })
    let logger = Logger(label: "kiban.inventory.bench", factory: { _ in SwiftLogNoOpLogHandler() })
    var stores: [Store] = []
    for id in voters.sorted() {
        let o = StoreOptions(id: id, directory: directory + "/m\(id)", bootstrap: ConfState(voters: voters))
        stores.append(try await Store.open(o, transport: network.transport(for: id), logger: logger))
    }
    while true {
        for (i, s) in stores.enumerated() where await s.status.role == .leader {
            stores.swapAt(0, i)
            return stores
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
