extension IPAMConfig {
    /// The store key of the IPAM configuration (docs/schema.md, "Inventory"), for services that
    /// follow it with a watch (the DHCP server's lease pools).
    public static var storeKey: [UInt8] { InventoryKeys.ipam }

    /// Decodes the stored configuration; nil when the value is not one this version reads.
    public static func decodeStored(_ value: [UInt8]) -> IPAMConfig? {
        try? InventoryCodec.decode(IPAMConfig.self, value, what: "the IPAM configuration")
    }
}
