import ArgumentParser
import Foundation
import KibanNodes
import KibanServer
import Logging

/// `kiban agent join|run|crypt`: the node agent, on the machines Kiban boots (docs/nodes.md).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "The node agent: enroll this machine, report its facts and health, run operations, open encrypted disks.",
        subcommands: [Join.self, Run.self, AgentCryptCommand.self])

    /// The version the agent reports (the package's VERSION).
    static let version = "kiban 0.1.0"

    /// Options both subcommands take.
    struct Common: ParsableArguments {
        @Option(help: "Where the agent keeps its key, certificate and cluster CA.")
        var stateDir = "/var/lib/kiban-agent"
        @Option(name: .customLong("server"), help: "A member's node API endpoint (host:port); repeat for more.")
        var servers: [String] = []
        @Option(help: "The serial to report instead of DMI's product_serial.")
        var serial: String?

        func logger() -> Logger {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            return Logger(label: "kiban-agent")
        }

        var collector: FactCollector { FactCollector(serialOverride: serial, agentVersion: AgentCommand.version) }
    }

    struct Join: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll this machine with a node token (from `kiban nodes token create`), or from its own netboot (--boot).",
            discussion: """
                The token is read from --token-file (`-` for standard input), never from the command line, where other users could read it.

                With --boot, a machine that Kiban netbooted enrolls without an operator: the kernel command line names its serial \
                (kiban.serial=), the node API (kiban.nodes=) and the cluster CA's fingerprint (kiban.ca=); the agent asks a member \
                for a one-time boot token over TLS pinned to that CA, from the machine's own address, and enrolls with it.
                """)
        @OptionGroup var common: Common
        @Option(help: "The file holding the token, or - for standard input.")
        var tokenFile = "-"
        @Flag(help: "Enroll from this machine's netboot: read kiban.serial, kiban.nodes and kiban.ca from the kernel command line.")
        var boot = false
        @Option(help: ArgumentHelp("The kernel command line to read with --boot.", visibility: .hidden))
        var cmdline = "/proc/cmdline"

        func run() async throws {
            if boot {
                let parameters = try bootParameters()
                let enrolled = try await NodeAgent.joinFromBoot(parameters, servers: common.servers, stateDir: common.stateDir, logger: common.logger())
                print("enrolled \(parameters.serial): certificate \(enrolled.certificateSerial), valid until \(enrolled.notAfter.formatted(.iso8601))")
                return
            }
            let (text, serial) = try tokenAndSerial()
            let enrolled = try await NodeAgent.join(
                token: text, serial: serial, servers: common.servers, stateDir: common.stateDir,
                logger: common.logger())
            print("enrolled \(serial): certificate \(enrolled.certificateSerial), valid until \(enrolled.notAfter.formatted(.iso8601))")
        }

        /// The boot's parameters, read in a synchronous helper (see ``tokenAndSerial()``).
        private func bootParameters() throws -> NodeAgent.BootParameters {
            let text = String(decoding: (FileManager.default.contents(atPath: cmdline) ?? Data()).prefix(8192), as: UTF8.self)
            return try NodeAgent.BootParameters(commandLine: text)
        }

        /// The token and this machine's serial. Kept out of `run()`: with both throwing reads in
        /// the async function, the release compiler (Swift 6.3.1) crashed splitting its coroutine.
        private func tokenAndSerial() throws -> (String, String) {
            let text: String
            if tokenFile == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile().prefix(8192), as: UTF8.self)
            } else {
                text = try String(contentsOfFile: tokenFile, encoding: .utf8)
            }
            guard let serial = common.collector.serial else {
                throw ValidationError("this machine's DMI serial is empty or not a serial; give one with --serial")
            }
            return (text, serial)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report facts and heartbeats until stopped.")
        @OptionGroup var common: Common
        @Option(help: "Seconds between heartbeats (default: what the cluster says, node-heartbeat-seconds).")
        var interval: Double?

        func run() async throws {
            if let interval, !(interval >= 0.2 && interval <= 300) { throw ValidationError("--interval must be from 0.2 to 300 seconds") }
            let logger = common.logger()
            let options = NodeAgent.RunOptions(
                stateDir: common.stateDir, servers: common.servers, intervalSeconds: interval,
                collector: common.collector)
            // Until a signal, or until the agent fails (no enrollment in --state-dir).
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await NodeAgent.run(options, logger: logger) }
                group.addTask {
                    let signal = await Signals.wait(for: [SIGTERM, SIGINT])
                    logger.notice("stopping", metadata: ["kiban.agent.signal": "\(signal)"])
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }
}
