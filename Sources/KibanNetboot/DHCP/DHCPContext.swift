/// A rack subnet's lease pool: dynamic addresses, and what clients need to use them.
public struct LeasePool: Sendable, Hashable {
    /// First and last dynamic address (IPAM: above the rack's static addresses).
    public var range: ClosedRange<UInt32>
    /// Prefix length of the subnet (option 1).
    public var prefixLength: Int
    /// The subnet's gateway (option 3).
    public var router: UInt32

    /// Creates a pool.
    public init(range: ClosedRange<UInt32>, prefixLength: Int, router: UInt32) {
        self.range = range
        self.prefixLength = prefixLength
        self.router = router
    }

    /// True when `address` is in this pool's subnet.
    public func subnetContains(_ address: UInt32) -> Bool {
        let mask: UInt32 = prefixLength == 0 ? 0 : UInt32.max << UInt32(32 - prefixLength)
        return address & mask == range.lowerBound & mask
    }
}

/// Where clients' boot files are (UEFI HTTP boot, iPXE, legacy PXE over TFTP).
public struct BootFiles: Sendable, Hashable {
    /// URL of `ipxe.efi` for x86-64 UEFI HTTP boot.
    public var uefiHTTPx64: String
    /// URL of the arm64 iPXE binary for arm64 UEFI HTTP boot.
    public var uefiHTTPArm64: String
    /// URL of the iPXE entry script, for clients that already run iPXE.
    public var ipxeScript: String
    /// TFTP names of iPXE binaries for PXE firmware: BIOS, x86-64 UEFI, arm64 UEFI.
    public var tftpBIOS: String = "undionly.kpxe"
    public var tftpUEFIx64: String = "ipxe.efi"
    public var tftpUEFIArm64: String = "ipxe-arm64.efi"

    /// Creates the boot file set from the HTTP base URL of this server (`http://10.69.0.3:10080`).
    public init(httpBase: String) {
        uefiHTTPx64 = httpBase + "/boot/ipxe.efi"
        uefiHTTPArm64 = httpBase + "/boot/ipxe-arm64.efi"
        ipxeScript = httpBase + "/boot/ipxe"
    }
}

/// Everything a decision depends on besides the message: one server's view at one instant.
public struct DHCPContext: Sendable {
    /// This server's address on the interface the request came in on (option 54, siaddr).
    public var serverAddress: UInt32
    /// The pool for a relay's giaddr, or for the receiving interface's address.
    public var pool: @Sendable (UInt32) -> LeasePool?
    /// The receiving interface's address (direct requests use its subnet).
    public var interfaceAddress: UInt32
    /// Current leases.
    public var leases: LeaseTable
    /// Unix seconds.
    public var now: UInt64
    /// Lease length for bound addresses (option 51).
    public var leaseSeconds: UInt32 = 3600
    /// How long an offer holds its address for the client's REQUEST.
    public var offerHoldSeconds: UInt32 = 30
    /// DNS servers (option 6), if any.
    public var dnsServers: [UInt32] = []
    /// Boot files by client type; nil serves plain DHCP only.
    public var boot: BootFiles?
    /// Further options for OFFER, ACK and INFORM (NTP servers, domain name, site options); an
    /// option the responder sets itself (mask, router, lease times, server id) is not replaced.
    public var extraOptions: [(code: UInt8, value: [UInt8])] = []
    /// ACK a REQUEST for the client's own bound lease without changing it while more than half
    /// of the lease is left, giving the time left (``DHCPServerConfiguration/renewFromView``).
    public var renewFromView = false

    /// Creates a context.
    public init(
        serverAddress: UInt32, interfaceAddress: UInt32, leases: LeaseTable, now: UInt64,
        pool: @escaping @Sendable (UInt32) -> LeasePool?
    ) {
        self.serverAddress = serverAddress
        self.interfaceAddress = interfaceAddress
        self.leases = leases
        self.now = now
        self.pool = pool
    }
}
