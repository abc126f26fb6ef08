extension DHCPMessage {
    /// The data of option `code`, all instances concatenated (RFC 3396), including instances in
    /// `file` and `sname` when option 52 says they carry options; nil when absent.
    public func option(_ code: UInt8) -> [UInt8]? {
        var found: [UInt8]?
        for area in optionAreas {
            for case .option(let c, let data) in area where c == code {
                found = (found ?? []) + data
            }
        }
        return found
    }

    /// The data of a known option.
    public func option(_ code: DHCPOptionCode) -> [UInt8]? { option(code.rawValue) }

    private var optionAreas: [[DHCPOptionElement]] {
        var areas = [options]
        guard
            case .option(_, let o)? = options.first(where: {
                if case .option(52, _) = $0 { return true } else { return false }
            }), o.count == 1
        else { return areas }
        // Overload (RFC 2132 §9.3): 1 = file, 2 = sname, 3 = both, read file first.
        if o[0] & 1 != 0, let e = try? Self.parseOptions(file).0 { areas.append(e) }
        if o[0] & 2 != 0, let e = try? Self.parseOptions(sname).0 { areas.append(e) }
        return areas
    }

    /// Sets (replacing every instance) or removes option `code`; new options go before the end.
    public mutating func setOption(_ code: DHCPOptionCode, _ data: [UInt8]?) {
        setOption(code: code.rawValue, data)
    }

    /// ``setOption(_:_:)`` by number, for options this module has no name for (site options).
    public mutating func setOption(code: UInt8, _ data: [UInt8]?) {
        options.removeAll { if case .option(code, _) = $0 { return true } else { return false } }
        guard let data else { return }
        let at = options.firstIndex(of: .end) ?? options.endIndex
        options.insert(.option(code: code, data: data), at: at)
    }

    /// Option 53.
    public var messageType: DHCPMessageType? {
        guard let d = option(.messageType), d.count == 1 else { return nil }
        return DHCPMessageType(rawValue: d[0])
    }

    /// Option 50, the address a client asks for.
    public var requestedIPAddress: UInt32? { option(.requestedIPAddress).flatMap(Self.address) }

    /// Option 54, the server a client selected.
    public var serverIdentifier: UInt32? { option(.serverIdentifier).flatMap(Self.address) }

    /// Option 55.
    public var parameterRequestList: [UInt8] { option(.parameterRequestList) ?? [] }

    /// Option 60 as text (e.g. `PXEClient:Arch:00007:UNDI:003016`, `HTTPClient`).
    public var vendorClassIdentifier: String? {
        option(.vendorClassIdentifier).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Option 61.
    public var clientIdentifier: [UInt8]? { option(.clientIdentifier) }

    /// Option 93: the architectures the client supports, in its order.
    public var clientArchitectures: [UInt16] {
        guard let d = option(.clientSystemArchitecture), d.count % 2 == 0 else { return [] }
        return stride(from: 0, to: d.count, by: 2).map { UInt16(d[$0]) << 8 | UInt16(d[$0 + 1]) }
    }

    /// Option 97: the machine's UUID (16 bytes after type 0), if well formed.
    public var clientMachineUUID: [UInt8]? {
        guard let d = option(.clientMachineIdentifier), d.count == 17, d[0] == 0 else { return nil }
        return Array(d[1...])
    }

    /// Option 82 sub-options (RFC 3046 §2.0): circuit id (1), remote id (2), ...; nil when the
    /// option is absent or its sub-options do not fit.
    public var relayAgentSubOptions: [(code: UInt8, data: [UInt8])]? {
        guard let d = option(.relayAgentInformation) else { return nil }
        var result: [(code: UInt8, data: [UInt8])] = []
        var i = 0
        while i < d.count {
            guard i + 1 < d.count, i + 2 + Int(d[i + 1]) <= d.count else { return nil }
            result.append((d[i], Array(d[(i + 2)..<(i + 2 + Int(d[i + 1]))])))
            i += 2 + Int(d[i + 1])
        }
        return result
    }

    /// True for iPXE: user class `iPXE` (bare, or in RFC 3004 form) or iPXE's option 175.
    public var isIPXE: Bool {
        if option(.iPXEEncapsulated) != nil { return true }
        guard let uc = option(.userClass) else { return false }
        if uc == Array("iPXE".utf8) { return true }
        var i = 0
        while i < uc.count {
            let n = Int(uc[i])
            guard i + 1 + n <= uc.count else { return false }
            if Array(uc[(i + 1)..<(i + 1 + n)]) == Array("iPXE".utf8) { return true }
            i += 1 + n
        }
        return false
    }

    /// True for UEFI HTTP boot firmware: vendor class starting `HTTPClient` (RFC 7.x UEFI spec
    /// §24.7.2) and an HTTP architecture in option 93.
    public var isUEFIHTTPBoot: Bool {
        guard vendorClassIdentifier?.hasPrefix("HTTPClient") == true else { return false }
        let http: Set<UInt16> = [0x0F, 0x10, 0x13]
        return clientArchitectures.contains { http.contains($0) }
    }

    static func address(_ d: [UInt8]) -> UInt32? {
        guard d.count == 4 else { return nil }
        return d.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
