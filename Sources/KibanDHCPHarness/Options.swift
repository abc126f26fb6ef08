import Foundation
import KibanInventory
import KibanNetboot

/// Command line: `kiban-dhcp-harness --directory DIR --servers A,B,C --ipam FILE.json
/// [--members 3] [--lease-seconds 3600] [--device IF] [--until-killed yes] [--offers store|memory]`.
struct Options {
    var directory = ""
    var servers: [String] = []
    var members = 3
    var ipam: IPAMConfig
    var leaseSeconds: UInt32 = 3600
    var device: String?
    /// Keep serving after stdin ends (a benchmark starts the harness in the background).
    var untilKilled = false
    /// `--offers memory`: OFFERs hold their address in the server's view only.
    var offersInStore = true

    /// The lease pool of the rack whose range holds `address`, from the IPAM configuration.
    func pool(for address: UInt32) -> LeasePool? {
        ipam.rackLeaseRange(for: address).map { LeasePool(range: $0.addresses, prefixLength: $0.prefixLength, router: $0.router) }
    }

    static let usage =
        "usage: kiban-dhcp-harness --directory DIR --servers A[,B…] --ipam FILE.json "
        + "[--members N] [--lease-seconds S] [--device IF] [--until-killed yes] [--offers store|memory]"

    /// Parses `arguments` (without the program name); nil prints the usage.
    static func parse(_ arguments: [String]) -> Options? {
        var values: [String: String] = [:]
        var i = 0
        while i + 1 < arguments.count, arguments[i].hasPrefix("--") {
            values[String(arguments[i].dropFirst(2))] = arguments[i + 1]
            i += 2
        }
        guard i == arguments.count, let dir = values["directory"], let servers = values["servers"],
            let ipamFile = values["ipam"], let data = FileManager.default.contents(atPath: ipamFile),
            let ipam = try? JSONDecoder().decode(IPAMConfig.self, from: data)
        else { return nil }
        var o = Options(ipam: ipam)
        o.directory = dir
        o.servers = servers.split(separator: ",").map(String.init)
        if let m = values["members"] {
            guard let n = Int(m), n >= 1 else { return nil }
            o.members = n
        }
        if let s = values["lease-seconds"] {
            guard let n = UInt32(s) else { return nil }
            o.leaseSeconds = n
        }
        o.device = values["device"]
        o.untilKilled = values["until-killed"] == "yes"
        o.offersInStore = values["offers"] != "memory"
        return o
    }
}
