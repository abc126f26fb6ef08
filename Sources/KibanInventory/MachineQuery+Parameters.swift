/// Reading a query from sabakan's query parameters, for the admin API and the CLI.
extension MachineQuery {
    /// Parses `serial`, `rack`, `role`, `state`, `bmc-type`, `ipv4` and `labels` parameters and
    /// their `without-` forms. Values are comma-separated (`rack=1,2`); a label is `key=value`
    /// (`labels=product=R630,zone=a`). Repeating a parameter adds values.
    /// - Throws: ``InventoryError`` `invalidInput` naming every unknown parameter or bad value.
    public init(parameters: [(name: String, value: String)]) throws(InventoryError) {
        self.init()
        var problems: [String] = []
        for (name, value) in parameters {
            let negated = name.hasPrefix("without-")
            let field = negated ? String(name.dropFirst("without-".count)) : name
            for item in value.split(separator: ",").map(String.init) where !item.isEmpty {
                let problem = negated ? without.add(field: field, item) : matching.add(field: field, item)
                if let problem { problems.append("\(name): \(problem)") }
            }
        }
        guard problems.isEmpty else {
            throw InventoryError(.invalidInput, "the machine query is not valid", problems: problems)
        }
    }
}

extension MachineFilter {
    /// Adds one value of a parameter; returns a problem sentence when it is not valid.
    mutating func add(field: String, _ item: String) -> String? {
        switch field {
        case "serial": serial.insert(item)
        case "role": role.insert(item)
        case "bmc-type": bmcType.insert(item)
        case "rack":
            guard let r = Int(item), r >= 0 else { return "\(item) is not a rack number" }
            rack.insert(r)
        case "state":
            guard let s = MachineState(rawValue: item) else {
                return "\(item) is not a state (one of \(MachineState.allCases.map(\.rawValue).joined(separator: ", ")))"
            }
            state.insert(s)
        case "ipv4":
            guard let a = IPv4(item) else { return "\(item) is not an IPv4 address" }
            ipv4.insert(a)
        case "labels":
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { return "\(item) is not key=value" }
            labels[String(item[..<eq]), default: []].insert(String(item[item.index(after: eq)...]))
        default:
            return "unknown parameter (use serial, rack, role, state, bmc-type, ipv4, labels, or without-…)"
        }
        return nil
    }
}
