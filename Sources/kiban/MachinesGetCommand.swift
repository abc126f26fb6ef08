import ArgumentParser
import KibanInventory

/// `kiban machines get`: sabakan's query parameters as options.
struct MachinesGetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "List the machines a query selects (every machine without one).",
        discussion: """
            Several values of one option (repeated or comma-separated) are ORed; labels are ANDed; every --without-… option excludes what it matches. The table shows serial, rack, index, role, state, first IPv4 and BMC; -o json and -o yaml print sabakan's machine documents.

            Examples:
              kiban machines get --rack 1,2 --role cs
              kiban machines get --state unhealthy,unreachable -o json
              kiban machines get --label product=R630 --without-state retired
            """)
    @OptionGroup var options: ClientOptions
    @Option(help: "Serial numbers.") var serial: [String] = []
    @Option(help: "Rack numbers.") var rack: [String] = []
    @Option(help: "Roles (boot, cs, ss, …).") var role: [String] = []
    @Option(help: "States.") var state: [String] = []
    @Option(help: "BMC types (IPMI-2.0, iDRAC-9, …).") var bmcType: [String] = []
    @Option(help: "Node or BMC IPv4 addresses.") var ipv4: [String] = []
    @Option(help: "Labels as KEY=VALUE.") var label: [String] = []
    @Option(help: "Exclude these serials.") var withoutSerial: [String] = []
    @Option(help: "Exclude these racks.") var withoutRack: [String] = []
    @Option(help: "Exclude these roles.") var withoutRole: [String] = []
    @Option(help: "Exclude these states.") var withoutState: [String] = []
    @Option(help: "Exclude these BMC types.") var withoutBmcType: [String] = []
    @Option(help: "Exclude these addresses.") var withoutIpv4: [String] = []
    @Option(help: "Exclude machines with any of these KEY=VALUE labels.") var withoutLabel: [String] = []

    /// The admin API's query (sabakan's parameter names).
    var parameters: [(String, [String])] {
        [
            ("serial", serial), ("rack", rack), ("role", role), ("state", state), ("bmc-type", bmcType),
            ("ipv4", ipv4), ("labels", label), ("without-serial", withoutSerial), ("without-rack", withoutRack),
            ("without-role", withoutRole), ("without-state", withoutState), ("without-bmc-type", withoutBmcType),
            ("without-ipv4", withoutIpv4), ("without-labels", withoutLabel),
        ]
    }

    func run() throws {
        let query = parameters.flatMap { name, values in values.map { "\(name)=\($0.queryEscaped)" } }.joined(separator: "&")
        try options.printMachines(options.send("GET", "/v1/machines" + (query.isEmpty ? "" : "?" + query)))
    }
}
