import Foundation
import KibanCA
import KibanInventory
import KibanNetboot
import KibanNodes
import KibanStore
import Logging

/// Builds the boot server's ``BootSnapshot`` from the store: the netboot records, the machines
/// and IPAM configuration of the inventory, and the cluster CA certificate (never its key).
struct BootSnapshotLoader {
    let store: Store
    let logger: Logger
    /// Builds the CRLs served at `/ca/<issuer>.crl`; nil when this member cannot (no KEK).
    var crls: (@Sendable () async -> [String: [UInt8]]?)? = nil

    /// Keys whose change makes the view stale.
    static let watched: [[UInt8]] = [
        Array(NetbootKeys.prefix.utf8), Machine.storePrefix, IPAMConfig.storeKey,
        ClusterKey.ca, PKIService.storePrefix, Array(NodeKeys.endpointsPrefix.utf8),
    ]

    static func isWatched(_ key: [UInt8]) -> Bool { watched.contains { key.starts(with: $0) } }

    /// Reads everything the view needs; the revision is that of the netboot listing. When the
    /// inventory cannot be read whole (a machine record this kiban cannot decode, no quorum for
    /// the linearizable read), the machines of `previous` are kept, so one bad record does not
    /// stop every other machine booting; `complete` is then false and the caller loads again.
    func load(previous: BootSnapshot) async throws -> (snapshot: BootSnapshot, complete: Bool) {
        var snapshot = BootSnapshot()
        // Local reads: the view follows this member's applied state, so it reloads without a quorum.
        let netboot = try await store.range(.prefix(Array(NetbootKeys.prefix.utf8)), consistency: .serializable)
        snapshot.revision = netboot.revision
        var templates: [String: [(revision: Int64, record: TemplateRecord)]] = [:]
        let decoder = JSONDecoder()
        for kv in netboot.kvs {
            let key = String(decoding: kv.key, as: UTF8.self)
            do {
                if key.hasPrefix(NetbootKeys.imagesPrefix) {
                    snapshot.images.append(try decoder.decode(ImageRecord.self, from: Data(kv.value)))
                } else if key.hasPrefix(NetbootKeys.assetsPrefix) {
                    let asset = try decoder.decode(AssetRecord.self, from: Data(kv.value))
                    snapshot.assets[asset.name] = asset
                } else if key.hasPrefix(NetbootKeys.templatesPrefix) {
                    let record = try decoder.decode(TemplateRecord.self, from: Data(kv.value))
                    templates[record.role, default: []].append((kv.createRevision, record))
                } else if key.hasPrefix(NetbootKeys.kernelParamsPrefix) {
                    let record = try decoder.decode(KernelParamsRecord.self, from: Data(kv.value))
                    snapshot.kernelParams[record.role] = record.params
                } else if key.hasPrefix(NetbootKeys.imageKernelParamsPrefix) {
                    let record = try decoder.decode(ImageKernelParamsRecord.self, from: Data(kv.value))
                    snapshot.imageKernelParams[record.image] = record.params
                } else if key.hasPrefix(NetbootKeys.roleImagesPrefix) {
                    let record = try decoder.decode(RoleImageRecord.self, from: Data(kv.value))
                    snapshot.roleImages[record.role] = record.image
                } else if key.hasPrefix(NetbootKeys.presencePrefix) {
                    let parts = key.dropFirst(NetbootKeys.presencePrefix.count).split(separator: "/")
                    guard let sha = parts.first else { continue }
                    snapshot.presence[String(sha), default: []].append(try decoder.decode(PresenceRecord.self, from: Data(kv.value)))
                }
            } catch {
                // A record this version cannot read (written by a newer Kiban, or by hand) is
                // skipped; the rest still boots.
                logger.warning(
                    "skipping a netboot record this kiban cannot read",
                    metadata: ["kiban.boot.key": "\(key)", "kiban.boot.error": "\(error)"])
            }
        }
        snapshot.images.sort { ($0.uploaded, $0.id) < ($1.uploaded, $1.id) }
        for (role, versions) in templates {
            guard let newest = versions.max(by: { $0.revision < $1.revision })?.record else { continue }
            do {
                snapshot.templates[role] = (newest.version, try ConfigTemplate(newest.template))
            } catch {
                logger.warning(
                    "the newest template of a role does not compile; its machines get no configuration",
                    metadata: ["kiban.boot.role": "\(role)", "kiban.boot.error": "\(error)"])
            }
        }
        var complete = true
        do {
            snapshot.machines = try await machines()
        } catch let error as InventoryError {
            // Stays so until the record changes, which the watch reports: no retry loop.
            logger.warning(
                "cannot read the inventory; boot scripts use the machines read before",
                metadata: ["kiban.boot.error": "\(error)"])
            snapshot.machines = previous.machines
        } catch {
            logger.debug("inventory not readable now; retrying", metadata: ["kiban.boot.error": "\(error)"])
            snapshot.machines = previous.machines
            complete = false
        }
        if let ca = try await store.get(ClusterKey.ca, consistency: .serializable),
            let record = try? decoder.decode(CARecord.self, from: Data(ca.value))
        {
            snapshot.caCertificatePEM = record.certificatePEM
        }
        snapshot.enrollmentParams = try await enrollmentParams(caPEM: snapshot.caCertificatePEM)
        snapshot.crls = await crls?() ?? previous.crls
        return (snapshot, complete)
    }

    /// `kiban.nodes=<every member's node API endpoint> kiban.ca=<CA fingerprint>` for boot
    /// scripts (`kiban agent join --boot` reads them); empty until a member publishes its node
    /// API and the CA is known. Public values: the secret is asked for over TLS.
    private func enrollmentParams(caPEM: String) async throws -> String {
        guard let der = MemberCertificate.der(pem: caPEM) else { return "" }
        let read = try await store.range(.prefix(Array(NodeKeys.endpointsPrefix.utf8)), consistency: .serializable)
        let endpoints = read.kvs.map { String(decoding: $0.value, as: UTF8.self) }
            .filter { endpoint in !endpoint.isEmpty && endpoint.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "$") }
            }
            .sorted().prefix(16)
        guard !endpoints.isEmpty else { return "" }
        return "kiban.nodes=\(endpoints.joined(separator: ",")) kiban.ca=\(CertificateAuthority.fingerprint(ofDER: der))"
    }

    /// The inventory's machines with their gateways.
    private func machines() async throws -> [String: BootMachine] {
        let inventory = InventoryService(store: store)
        let ipam = try await inventory.ipam()
        var machines: [String: BootMachine] = [:]
        for m in try await inventory.machines() {
            machines[m.serial] = BootMachine(
                serial: m.serial, rack: m.registration.rack, index: m.indexInRack, role: m.registration.role,
                state: m.state.rawValue, addresses: m.ipv4.map(\.description),
                gateways: ipam.map { ipam in m.ipv4.map { ipam.nodeGateway(of: $0).description } } ?? [],
                bmcAddress: m.bmcIPv4.description, labels: m.registration.labels)
        }
        return machines
    }
}
