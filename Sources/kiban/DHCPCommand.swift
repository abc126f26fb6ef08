import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanNetboot
import KibanServer

/// `kiban dhcp get|set|leases|status`: the cluster's DHCP settings and leases.
struct DHCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dhcp", abstract: "Show the DHCP leases; read and change the cluster-wide DHCP settings.",
        discussion: """
            Every boot server answers DHCP on dhcp-port (67) for every rack, through the racks'
            relays: the relay's giaddr picks the rack's lease range from IPAM (kiban ipam set).
            Settings that are the same for every rack live in the store and apply to every
            member within a moment:

              lease-seconds: 3600            # option 51 (T1, T2: 1/2 and 7/8 of it)
              dns-servers: [10.0.0.53]       # option 6
              ntp-servers: [10.0.0.123]      # option 42
              domain-name: dc1.example.com   # option 15
              extra-options:                 # any other option, as text or hex bytes
                - {code: 252, text: "http://10.0.0.5/wpad.dat"}
              sweep-interval-seconds: 10     # how often the leader deletes leases that are over
              expired-retention-seconds: 3600  # keep an expired lease for its client (default: lease-seconds)
              relays: [10.69.1.1, 10.69.2.1] # giaddrs answered; absent or empty: any (warned at start)
              relay-offers-per-second: 200   # new offers per relay, and its burst
              relay-offer-burst: 1000
              client-offers-per-minute: 12   # new offers per client MAC, and its burst
              client-offer-burst: 8

            Examples:
              kiban dhcp set dhcp.yaml
              kiban dhcp get -o yaml > dhcp.yaml
              kiban dhcp leases --rack 3
              kiban dhcp leases -o json | jq '.[] | select(.state == "bound")'
            """,
        subcommands: [Get.self, SetCommand.self, Leases.self, Status.self])

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the DHCP settings (the defaults if none were set).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (s, json) = try client.call("GET", "/v1/dhcp/settings", as: DHCPSettings.self)
            client.print(json: json, rows: DHCPCommand.rows(s))
        }
    }

    struct SetCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Replace the DHCP settings with FILE (YAML or JSON); every field is optional.",
            discussion: "The whole document is checked first: on any problem nothing changes and every problem is listed.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The settings document; `-` reads standard input.")
        var file: String

        func run() throws {
            let data: Data? = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data else { throw AdminClient.Failure(description: "cannot read \(file); check the path") }
            let settings = try DHCPSettings.parse(String(decoding: data, as: UTF8.self), file: file)
            let (s, json) = try client.call("PUT", "/v1/dhcp/settings", body: settings, as: DHCPSettings.self)
            client.print(json: json, rows: DHCPCommand.rows(s))
        }
    }

    struct Leases: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the leases (linearizable): address, MAC, host name, rack, state, expiry.",
            discussion: "State is offered, bound or declined, or expired once past its expiry (the address is free again).")
        @OptionGroup var client: ClientOptions
        @Option(help: "Only the leases of this rack (by IPAM).")
        var rack: Int?

        func run() throws {
            let query = rack.map { "?rack=\($0)" } ?? ""
            let (leases, json) = try client.call("GET", "/v1/dhcp/leases\(query)", as: [DHCPLeaseInfo].self)
            let header = ["ADDRESS", "MAC", "HOSTNAME", "RACK", "STATE", "EXPIRES"]
            client.print(
                json: json,
                rows: [header]
                    + leases.map {
                        [$0.address, $0.mac, $0.hostname ?? "-", $0.rack.map { "\($0)" } ?? "-", $0.state, DHCPCommand.duration($0.expiresIn)]
                    })
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "DHCP counters: received, replied, dropped by reason; this member's, or every member's with --cluster.",
            discussion:
                "With --cluster, a column per member (asked over the peer port) and their TOTAL; a member that does not answer shows - and its error in JSON.")
        @OptionGroup var client: ClientOptions
        @Flag(help: "Every member's counters and their sums.")
        var cluster = false

        func run() throws {
            guard cluster else {
                let (s, json) = try client.call("GET", "/v1/dhcp/status", as: DHCPStatusInfo.self)
                client.print(json: json, rows: [["COUNTER", "VALUE"]] + DHCPCommand.counterRows([s]))
                return
            }
            let (c, json) = try client.call("GET", "/v1/dhcp/status?cluster=true", as: ClusterDHCPStatus.self)
            let columns = c.members.map(\.status) + [c.total]
            let empty = DHCPStatusInfo(serving: false, received: 0, committed: 0, replied: [:], dropped: [:])
            var rows = DHCPCommand.counterRows(columns.map { $0 ?? empty })
            for (i, status) in columns.enumerated() where status == nil {
                for r in rows.indices { rows[r][i + 1] = "-" }
            }
            client.print(json: json, rows: [["COUNTER"] + c.members.map(\.name) + ["TOTAL"]] + rows)
        }
    }

    /// One row per counter, a column per status (the counter's name first).
    static func counterRows(_ columns: [DHCPStatusInfo]) -> [[String]] {
        let replied = Set(columns.flatMap(\.replied.keys)).sorted()
        let dropped = Set(columns.flatMap(\.dropped.keys)).sorted()
        var rows = [
            ["serving"] + columns.map { "\($0.serving)" }, ["received"] + columns.map { "\($0.received)" },
            ["committed"] + columns.map { "\($0.committed)" },
        ]
        rows += replied.map { k in ["replied \(k)"] + columns.map { "\($0.replied[k] ?? 0)" } }
        rows += dropped.map { k in ["dropped \(k)"] + columns.map { "\($0.dropped[k] ?? 0)" } }
        return rows
    }

    static func rows(_ s: DHCPSettings) -> [[String]] {
        var rows = [
            ["SETTING", "VALUE"], ["lease-seconds", "\(s.leaseSeconds)"],
            ["dns-servers", s.dnsServers.joined(separator: ",")], ["ntp-servers", s.ntpServers.joined(separator: ",")],
            ["domain-name", s.domainName ?? ""], ["sweep-interval-seconds", "\(s.sweepIntervalSeconds)"],
            ["expired-retention-seconds", s.expiredRetentionSeconds.map { "\($0)" } ?? "\(s.leaseSeconds) (lease-seconds)"],
            ["relays", s.relays.isEmpty ? "any" : s.relays.joined(separator: ",")],
            ["relay-offers-per-second", "\(s.relayOffersPerSecond)"], ["relay-offer-burst", "\(s.relayOfferBurst)"],
            ["client-offers-per-minute", "\(s.clientOffersPerMinute)"], ["client-offer-burst", "\(s.clientOfferBurst)"],
        ]
        rows += s.extraOptions.map { ["option \($0.code)", $0.text ?? "0x" + ($0.hex ?? "")] }
        return rows
    }

    /// `in 59m`, `expired 3s ago`.
    static func duration(_ seconds: Int64) -> String {
        let s = abs(seconds)
        let text =
            s >= 86400
            ? "\(s / 86400)d\(s % 86400 / 3600)h"
            : s >= 3600
                ? "\(s / 3600)h\(s % 3600 / 60)m"
                : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
        return seconds > 0 ? "in \(text)" : "\(text) ago"
    }
}
