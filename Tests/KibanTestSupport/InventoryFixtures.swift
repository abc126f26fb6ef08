import Foundation
public import KibanInventory

/// sabakan's documented IPAM example (docs/ipam.md), as JSON an operator would have.
public let sabakanIPAM = """
    {
      "max-nodes-in-rack": 28,
      "node-ipv4-pool": "10.69.0.0/16",
      "node-ipv4-range-size": 6,
      "node-ipv4-range-mask": 26,
      "node-ip-per-node": 3,
      "node-index-offset": 3,
      "node-gateway-offset": 1,
      "bmc-ipv4-pool": "10.72.16.0/20",
      "bmc-ipv4-offset": "0.0.1.0",
      "bmc-ipv4-range-size": 5,
      "bmc-ipv4-range-mask": 20,
      "bmc-ipv4-gateway-offset": 1
    }
    """

public func exampleIPAM() throws -> IPAMConfig {
    try JSONDecoder().decode(IPAMConfig.self, from: Data(sabakanIPAM.utf8))
}
