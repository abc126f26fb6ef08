/// Option codes Kiban reads or writes (RFC 2132 and the RFCs named per case).
public enum DHCPOptionCode: UInt8, Sendable, CaseIterable {
    case subnetMask = 1
    case router = 3
    case domainNameServer = 6
    case hostName = 12
    case requestedIPAddress = 50
    case leaseTime = 51
    case overload = 52
    case messageType = 53
    case serverIdentifier = 54
    case parameterRequestList = 55
    case message = 56
    case maxMessageSize = 57
    case renewalTime = 58
    case rebindingTime = 59
    case vendorClassIdentifier = 60
    case clientIdentifier = 61
    /// RFC 3004 (iPXE sends the bare string `iPXE`).
    case userClass = 77
    /// RFC 3046 relay agent information, with sub-options.
    case relayAgentInformation = 82
    /// RFC 4578 client system architecture (PXE, UEFI HTTP boot).
    case clientSystemArchitecture = 93
    /// RFC 4578 client network interface identifier.
    case clientNetworkInterface = 94
    /// RFC 4578 client machine identifier (UUID).
    case clientMachineIdentifier = 97
    /// iPXE's encapsulated options: its presence marks an iPXE client.
    case iPXEEncapsulated = 175
}

/// The DHCP message type (option 53, RFC 2132 §9.6).
public enum DHCPMessageType: UInt8, Sendable, CaseIterable {
    case discover = 1, offer, request, decline, ack, nak, release, inform
}

/// RFC 4578 §2.1 / IANA processor architecture types that matter for netboot.
public enum ClientArchitecture: UInt16, Sendable {
    case biosX86 = 0x00
    case efiX86 = 0x06
    case efiX64 = 0x07
    case efiBC = 0x09
    case efiARM64 = 0x0B
    case efiX86HTTP = 0x0F
    case efiX64HTTP = 0x10
    case efiARM64HTTP = 0x13
}
