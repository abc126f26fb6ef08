import Foundation
import KibanInventory
import Yams

/// Reading and checking the spec document of `kiban k8s spec set` (YAML or JSON): unknown keys
/// are refused and every problem is listed at once.
extension ClusterSpec {
    /// The keys a document may have, by path (`""` is the top level).
    static let documentKeys: [String: Set<String>] = [
        "": [
            "name", "kubernetes-version", "control-plane", "workers", "service-subnet", "pod-subnet", "cluster-dns", "extra-args",
            "etcd", "binaries",
        ],
        "control-plane": ["count", "select", "weights"],
        "workers": ["select", "min", "max"],
        "control-plane.select": ["roles", "labels"],
        "workers.select": ["roles", "labels"],
        "etcd": ["version", "extra-args"],
    ]

    /// Parses and checks a spec document.
    /// - Throws: ``SpecError`` listing every problem.
    public static func parse(document bytes: [UInt8]) throws(SpecError) -> ClusterSpec {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: String(decoding: bytes, as: UTF8.self)) } catch {
            throw SpecError(["the spec is neither YAML nor JSON: \(error)"])
        }
        guard let fields = loaded as? [String: Any] else { throw SpecError(["a spec is a mapping (see docs/installer.md)"]) }
        var problems = unknownKeys(fields, at: "")
        let missing = missingKeys(fields, at: "")
        guard missing.isEmpty else { throw SpecError(problems + missing) }
        let spec: ClusterSpec
        do {
            let json = try JSONSerialization.data(withJSONObject: fields)
            spec = try JSONDecoder().decode(Document.self, from: json).spec
        } catch let error as DecodingError {
            throw SpecError(problems + [Self.describe(error)])
        } catch {
            throw SpecError(problems + ["\(error)"])
        }
        problems += spec.problems
        guard problems.isEmpty else { throw SpecError(problems) }
        return spec
    }

    /// The keys a document must have, by path.
    static let requiredKeys: [String: [String]] = [
        "": ["name", "kubernetes-version", "control-plane", "workers", "service-subnet", "pod-subnet", "cluster-dns", "etcd"],
        "control-plane": ["count", "select"],
        "workers": ["select"],
        "control-plane.select": ["roles"],
        "workers.select": ["roles"],
        "etcd": ["version"],
    ]

    /// Every required key missing under `fields` (and under the mappings it has), with its path.
    static func missingKeys(_ fields: [String: Any], at path: String) -> [String] {
        var problems: [String] = []
        for key in requiredKeys[path] ?? [] {
            let child = path.isEmpty ? key : "\(path).\(key)"
            if let value = fields[key] {
                if requiredKeys[child] != nil {
                    guard let nested = value as? [String: Any] else {
                        problems.append("\(child): a mapping of \(requiredKeys[child, default: []].joined(separator: ", "))")
                        continue
                    }
                    problems += missingKeys(nested, at: child)
                }
            } else {
                problems.append("\(child): required")
            }
        }
        return problems
    }

    /// Every unknown key under `fields`, with its path.
    static func unknownKeys(_ fields: [String: Any], at path: String) -> [String] {
        guard let allowed = documentKeys[path] else { return [] }
        var problems: [String] = []
        for key in fields.keys.sorted() {
            let child = path.isEmpty ? key : "\(path).\(key)"
            if !allowed.contains(key) {
                problems.append("\(child): unknown key (\(path.isEmpty ? "a spec" : path) has \(allowed.sorted().joined(separator: ", ")))")
            } else if let nested = fields[key] as? [String: Any] {
                problems += unknownKeys(nested, at: child)
            }
        }
        return problems
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String { c.codingPath.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let c): return "\((path(c).isEmpty ? "" : path(c) + ".") + key.stringValue): required"
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(type)"
        case .valueNotFound(_, let c): return "\(path(c)): required"
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}

/// Every problem of a spec document.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    /// One line per problem.
    public var problems: [String]

    public init(_ problems: [String]) { self.problems = problems }

    public var description: String { "the spec is not valid; nothing was changed:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
}

/// The document's spelling (kebab-case keys, defaults for what may be left out).
private struct Document: Decodable {
    var spec: ClusterSpec

    enum Keys: String, CodingKey {
        case name, kubernetesVersion = "kubernetes-version", controlPlane = "control-plane", workers, serviceSubnet = "service-subnet"
        case podSubnet = "pod-subnet", clusterDNS = "cluster-dns", extraArgs = "extra-args", etcd, binaries
        case count, select, weights, min, max, roles, labels, version
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let cp = try c.nestedContainer(keyedBy: Keys.self, forKey: .controlPlane)
        let w = try c.nestedContainer(keyedBy: Keys.self, forKey: .workers)
        let e = try c.nestedContainer(keyedBy: Keys.self, forKey: .etcd)
        func selector(_ parent: KeyedDecodingContainer<Keys>) throws -> MachineSelector {
            let s = try parent.nestedContainer(keyedBy: Keys.self, forKey: .select)
            return MachineSelector(
                roles: try s.decode([String].self, forKey: .roles), labels: try s.decodeIfPresent([String: String].self, forKey: .labels) ?? [:])
        }
        spec = ClusterSpec(
            name: try c.decode(String.self, forKey: .name),
            kubernetesVersion: try c.decode(String.self, forKey: .kubernetesVersion),
            controlPlane: .init(
                count: try cp.decode(Int.self, forKey: .count), select: try selector(cp),
                weights: try cp.decodeIfPresent([String: Double].self, forKey: .weights) ?? [:]),
            workers: .init(
                select: try selector(w), min: try w.decodeIfPresent(Int.self, forKey: .min) ?? 0,
                max: try w.decodeIfPresent(Int.self, forKey: .max) ?? 10_000),
            serviceSubnet: try c.decode(IPv4Network.self, forKey: .serviceSubnet),
            podSubnet: try c.decode(IPv4Network.self, forKey: .podSubnet),
            clusterDNS: try c.decode(IPv4.self, forKey: .clusterDNS),
            extraArgs: try c.decodeIfPresent([String: [String]].self, forKey: .extraArgs) ?? [:],
            etcd: .init(version: try e.decode(String.self, forKey: .version), extraArgs: try e.decodeIfPresent([String].self, forKey: .extraArgs) ?? []),
            binaries: try c.decodeIfPresent(ClusterSpec.Binaries.self, forKey: .binaries) ?? .image)
    }
}
