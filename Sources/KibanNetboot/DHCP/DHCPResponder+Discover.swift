extension DHCPResponder {
    /// DISCOVER → OFFER (RFC 2131 §4.3.1): the client's previous address if free, else the
    /// address it asks for if free and in the pool, else the lowest free address. The offer
    /// holds the address for ``DHCPContext/offerHoldSeconds``.
    static func discover(_ m: DHCPMessage, _ c: DHCPContext) -> DHCPDecision {
        guard let pool = pool(for: m, c) else {
            return .drop(reason: "no lease pool for \(dottedQuad(m.giaddr != 0 ? m.giaddr : c.interfaceAddress))")
        }
        let mac = macString(m.hardwareAddress)
        guard let address = chooseAddress(for: mac, requested: m.requestedIPAddress, pool: pool, c) else {
            return .drop(reason: "pool \(dottedQuad(pool.range.lowerBound))-\(dottedQuad(pool.range.upperBound)) is exhausted")
        }
        var r = reply(to: m, type: .offer, c)
        r.yiaddr = address
        r.siaddr = c.serverAddress
        addBootFile(&r, for: m, c)
        addLeaseOptions(&r, pool: pool, c, withTimes: true)
        let previous = c.leases.lease(at: address)
        // A bound lease of this client stays bound; otherwise the address is only held.
        let keep = previous.flatMap { $0.mac == mac && $0.state == .bound && $0.expiresAt > c.now ? $0 : nil }
        let hold =
            keep
            ?? DHCPLease(
                address: address, mac: mac, state: .offered,
                expiresAt: c.now + UInt64(c.offerHoldSeconds))
        return .reply(r, to: destination(for: m), leaseChange: keep == nil ? .put(hold, previous: previous) : nil)
    }

    /// The address to offer, deterministically from the view: the client's previous address,
    /// else the one it asks for, else the lowest address with no lease at all, else the expired
    /// lease that expired first, lowest address on a tie (reclaimed at allocation; its former
    /// client has had the longest time to come back; a lapsed offer counts as expired). Nil
    /// when every address is in use.
    static func chooseAddress(for mac: String, requested: UInt32?, pool: LeasePool, _ c: DHCPContext) -> UInt32? {
        func usable(_ a: UInt32) -> Bool { pool.range.contains(a) && !c.leases.isTaken(a, except: mac, now: c.now) }
        if let previous = c.leases.lease(of: mac)?.address, usable(previous) { return previous }
        if let requested, usable(requested) { return requested }
        if let free = c.leases.lowestUnleased(in: pool.range) { return free }
        var oldest: (address: UInt32, expiresAt: UInt64)?
        var a = pool.range.lowerBound
        while true {
            if let l = c.leases.lease(at: a), l.expiresAt <= c.now, oldest.map({ l.expiresAt < $0.expiresAt }) ?? true {
                oldest = (a, l.expiresAt)
            }
            if a == pool.range.upperBound { return oldest?.address }
            a += 1
        }
    }

    /// The boot file by client type: UEFI HTTP boot gets ipxe.efi by URL (and option 60
    /// `HTTPClient`, UEFI spec §24.7.2), iPXE gets its script, PXE firmware an iPXE binary by
    /// TFTP name from siaddr.
    ///
    /// A PXE reply carries **no** option 60. An offer with an address, `PXEClient` and no PXE
    /// discovery options (43) is a "BINL" offer to PXE firmware: EDK2's UefiPxeBcDxe (OVMF and
    /// most UEFI x64 machines) then asks siaddr on port 4011 for the boot file instead of
    /// taking it from the offer, gets no answer and gives up (PXE-E16). Without option 60 the
    /// offer is a plain DHCP offer with a boot file, which every PXE firmware boots from, as
    /// from ISC dhcpd.
    static func addBootFile(_ r: inout DHCPMessage, for m: DHCPMessage, _ c: DHCPContext) {
        guard let boot = c.boot else { return }
        let arch = m.clientArchitectures.first
        let name: String?
        if m.isIPXE {
            name = boot.ipxeScript
        } else if m.isUEFIHTTPBoot {
            name = arch == ClientArchitecture.efiARM64HTTP.rawValue ? boot.uefiHTTPArm64 : boot.uefiHTTPx64
            r.setOption(.vendorClassIdentifier, Array("HTTPClient".utf8))
        } else if m.vendorClassIdentifier?.hasPrefix("PXEClient") == true, let arch {
            switch ClientArchitecture(rawValue: arch) {
            case .biosX86: name = boot.tftpBIOS
            case .efiX64, .efiBC: name = boot.tftpUEFIx64
            case .efiARM64: name = boot.tftpUEFIArm64
            default: name = nil
            }
        } else {
            name = nil
        }
        if let name { r.file = Array((Array(name.utf8) + [UInt8](repeating: 0, count: 128)).prefix(128)) }
    }
}
