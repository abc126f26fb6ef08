public import KibanStore

extension LeaseRecord {
    /// Every lease in the store, by address (what `kiban dhcp leases` prints). Linearizable by
    /// default; `.serializable` answers from this member without asking the leader.
    public static func list(in store: Store, consistency: ReadConsistency = .linearizable)
        async throws(StoreError) -> [DHCPLease]
    {
        let page = try await store.range(.prefix(prefix), consistency: consistency)
        return page.kvs.compactMap { decode($0.value) }
    }
}
