import Glibc
import KibanNetboot
import KibanStore

/// The harness's stdin commands.
enum Commands {
    static func run(_ command: String, _ argument: String?, _ cluster: Cluster, _ o: Options) async {
        switch command {
        case "leader":
            say("leader \(await cluster.leader().map { "\($0)" } ?? "none")")
        case "kill-leader":
            guard let id = await cluster.leader() else {
                say("killed none")
                return
            }
            await cluster.kill(id)
            say("killed \(id)")
        case "counters":
            say(describe(cluster.counters))
        case "pool":
            guard let a = argument.flatMap(parseDottedQuad), let p = o.pool(for: a) else {
                say("pool none")
                return
            }
            say("pool \(dottedQuad(p.range.lowerBound)) \(dottedQuad(p.range.upperBound))")
        case "leases":
            await leases(cluster)
        default:
            say("error unknown command \(command)")
        }
    }

    static func describe(_ c: DHCPCounters) -> String {
        var parts = ["received=\(c.received)", "committed=\(c.committed)"]
        for t in ["offer", "ack", "nak"] { parts.append("\(t)=\(c.replied[t, default: 0])") }
        for r in DHCPCounters.DropReason.allCases { parts.append("\(r.rawValue)=\(c.dropped(r))") }
        return "counters " + parts.joined(separator: " ")
    }

    /// Prints every lease (from a running member, linearizable), then a summary line: how many,
    /// addresses held by two MACs, MACs bound to two addresses, and whether every running
    /// member's own copy (serializable) lists the same leases within a bounded wait.
    static func leases(_ cluster: Cluster) async {
        let stores = cluster.members.withLock { $0.values.map(\.store) }
        guard let first = stores.first, let list = try? await LeaseRecord.list(in: first) else {
            say("end error")
            return
        }
        let now = unixSeconds()
        var macsByAddress: [UInt32: Set<String>] = [:]
        var boundByMAC: [String: Int] = [:]
        for l in list {
            say("lease \(dottedQuad(l.address)) \(l.mac) \(l.state.rawValue) \(Int64(l.expiresAt) - Int64(now))")
            macsByAddress[l.address, default: []].insert(l.mac)
            if l.state == .bound, l.expiresAt > now { boundByMAC[l.mac, default: 0] += 1 }
        }
        let agree =
            (try? await until("members agree", seconds: 10) { () async -> Bool? in
                for s in stores {
                    guard let mine = try? await LeaseRecord.list(in: s, consistency: .serializable),
                        mine == list
                    else { return nil }
                }
                return true
            }) ?? false
        let duplicates = macsByAddress.values.filter { $0.count > 1 }.count
        let multi = boundByMAC.values.filter { $0 > 1 }.count
        say("end count=\(list.count) duplicates=\(duplicates) multi=\(multi) agree=\(agree ? "yes" : "no")")
    }
}

/// Prints a line and flushes at once: the reader is a script waiting on a pipe.
func say(_ line: String) {
    print(line)
    fflush(nil)
}
