extension IPAMConfig {
    /// The store key of the IPAM configuration (docs/schema.md, "Inventory"), for services that
    /// follow it with a watch (the DHCP server's lease pools).
    public static var storeKey: [UInt8] { InventoryKeys.ipam }

    /// Decodes the stored configuration; nil when the value is not one this version reads.
    public static func decodeStored(_ value: [UInt8]) -> IPAMConfig? {
        try? InventoryCodec.decode(IPAMConfig.self, value, what: "the IPAM configuration")
    }
}

extension Machine {
    /// The prefix of every machine record in the store (docs/schema.md, "Inventory"), for
    /// services that follow the machines with a watch (the boot server's view).
    public static var storePrefix: [UInt8] { InventoryKeys.key(InventoryKeys.machines) }
}
