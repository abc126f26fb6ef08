// Store benchmark: an IN-PROCESS 3-member cluster (three Store actors with real SQLite files in a
// temp directory, LocalTransport between them, no network), driven through the Swift API.
// Prints one JSON line per workload in the format of bench/kvload.py, so bench/summarize.py can
// put the figures next to etcd's. Usage: kiban-store-bench [SEQ_N] [CONC_N] [CONCS...]
import Foundation
import KibanRaft
import KibanStore
import Logging

let args = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let seqCount = args.first ?? 1000
let concCount = args.dropFirst().first ?? 10_000
let concs = args.count > 2 ? Array(args.dropFirst(2)) : [16, 64]
let value = [UInt8](repeating: UInt8(ascii: "v"), count: 256)

let bench = try await BenchCluster(size: 3)
let leader = try await bench.leader()

emit(
    try await measure(label: "kiban-x3 seq-put 1c x\(seqCount) (leader)", clients: 1, count: seqCount) { _, i in
        try await bench.stores[leader].put(Array("seq/\(i)".utf8), value)
    })
for c in concs {
    emit(
        try await measure(label: "kiban-x3 conc-put \(c)c x\(concCount)", clients: c, count: concCount) { client, i in
            try await bench.stores[client % 3].put(Array("conc/\(i)".utf8), value)
        })
}
for i in 0..<1000 { try await bench.stores[leader].put(Array("read/\(i)".utf8), value) }
for c in concs {
    emit(
        try await measure(label: "kiban-x3 lin-get \(c)c x\(concCount)", clients: c, count: concCount) { client, i in
            _ = try await bench.stores[client % 3].get(Array("read/\(i % 1000)".utf8))
        })
}
await bench.stop()

/// Runs `count` operations over `clients` concurrent tasks; returns the kvload.py-style record.
func measure(
    label: String, clients: Int, count: Int,
    _ op: @escaping @Sendable (Int, Int) async throws -> Void
) async throws -> [String: Any] {
    let clock = ContinuousClock()
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for client in 0..<clients {
            group.addTask {
                var mine: [Double] = []
                var i = client
                while i < count {
                    let t0 = clock.now
                    try await op(client, i)
                    let d = clock.now - t0
                    mine.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
                    i += clients
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    func pct(_ p: Double) -> Double {
        latencies[min(latencies.count - 1, max(0, Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1))]
    }
    return [
        "label": label, "ok": latencies.count, "errors": 0, "clients": clients,
        "ops_per_s": (Double(latencies.count) / seconds * 10).rounded() / 10,
        "p50_ms": (pct(50) * 1000).rounded() / 1000, "p99_ms": (pct(99) * 1000).rounded() / 1000,
        "seconds": (seconds * 100).rounded() / 100,
    ]
}

func emit(_ record: [String: Any]) {
    // Serializing a dictionary of strings and numbers cannot fail.
    let data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

/// Three members with real SQLite files in a temp directory.
struct BenchCluster {
    let directory: String
    let stores: [Store]

    init(size: Int) async throws {
        directory = NSTemporaryDirectory() + "kiban-store-bench-\(UUID().uuidString)"
        let network = LocalNetwork()
        let voters = Set((1...NodeID(size)).map { $0 })
        let logger = Logger(label: "kiban.store.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        var stores: [Store] = []
        for id in voters.sorted() {
            var o = StoreOptions(id: id, directory: directory + "/m\(id)", bootstrap: ConfState(voters: voters))
            o.tickInterval = .milliseconds(Int(ProcessInfo.processInfo.environment["TICK_MS"] ?? "") ?? 100)
            stores.append(try await Store.open(o, transport: network.transport(for: id), logger: logger))
        }
        self.stores = stores
    }

    /// The index in `stores` of the leader, once one is elected (bounded wait).
    func leader() async throws -> Int {
        for _ in 0..<1000 {
            for (i, s) in stores.enumerated() where await s.status.role == .leader { return i }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw StoreError(.unavailable, "no leader elected within 10 s")
    }

    func stop() async {
        for s in stores { await s.stop() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
