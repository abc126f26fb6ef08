import Foundation
import KibanNetboot
import Logging

// Runs DHCP servers over an in-process store cluster and answers commands on stdin, one a
// line, so that a test script can drive it from outside the network namespace it serves in:
//   leader | kill-leader | leases | counters | pool A.B.C.D | quit
// It prints `ready` once every server serves.

guard let options = Options.parse(Array(CommandLine.arguments.dropFirst())) else {
    FileHandle.standardError.write(Data((Options.usage + "\n").utf8))
    exit(2)
}
var logger = Logger(label: "kiban.dhcp.harness")
logger.logLevel = ProcessInfo.processInfo.environment["KIBAN_DHCP_DEBUG"] == nil ? .warning : .debug
let cluster = Cluster(logger: logger)
do {
    try await cluster.start(options)
} catch {
    say("error \(error)")
    exit(1)
}
say("ready")
var quit = false
while !quit, let line = readLine() {
    let words = line.split(separator: " ").map(String.init)
    guard let command = words.first else { continue }
    if command == "quit" {
        quit = true
        break
    }
    await Commands.run(command, words.dropFirst().first, cluster, options)
}
while !quit && options.untilKilled {
    // Nobody reads commands any more: report the counters now and then instead.
    try? await Task.sleep(for: .seconds(2))
    say(Commands.describe(cluster.counters))
}
await cluster.stopAll()
say("bye")
