public import Foundation
public import KibanCA
import KibanInventory
public import KibanStore

/// Enrollment (`POST /v1/enroll` on the node API): a machine proves a node token and sends a
/// certificate request; it receives a node certificate from the `nodes` issuer whose identity is
/// its serial, in the URI SAN `kiban-node://SERIAL`. Refused, with a reason, when the token is
/// wrong, used or expired, does not admit that machine, or ``EnrollmentPolicy`` refuses it.
/// A refusal after a valid token, and every enrollment, is written to the audit log.
public struct NodeEnrollment: Sendable {
    /// The tokens.
    public let tokens: NodeTokens
    /// The PKI that signs node certificates.
    public let pki: PKIService
    /// The issuer of node certificates (created at the first enrollment).
    public static let issuer = "nodes"
    /// The role node certificates are signed under (created at the first enrollment).
    public static let role = "kiban-node"
    /// How long a node certificate is valid: one year.
    public static let validitySeconds: TimeInterval = 365 * 86_400

    /// Creates the service; `tokens` carries the store, the inventory and the audit member.
    public init(tokens: NodeTokens, pki: PKIService) {
        self.tokens = tokens
        self.pki = pki
    }

    /// The URI SAN naming machine `serial`.
    public static func uri(_ serial: String) -> String { "kiban-node://" + serial }

    /// The serial a node certificate's URI SANs name, or nil when none does.
    public static func serial(inURIs uris: [String]) -> String? {
        uris.lazy.filter { $0.hasPrefix("kiban-node://") }.map { String($0.dropFirst("kiban-node://".count)) }
            .first(where: NodeFacts.isName)
    }

    /// What an agent sends.
    public struct Request: Sendable, Hashable, Codable {
        /// The token's secret. **Secret.**
        public var secret: String
        /// The machine's serial.
        public var serial: String
        /// A PEM certificate request for the agent's own key.
        public var csr: String

        /// Creates a request.
        public init(secret: String, serial: String, csr: String) {
            self.secret = secret
            self.serial = serial
            self.csr = csr
        }
    }

    /// What an enrolled agent receives.
    public struct Enrolled: Sendable, Hashable, Codable {
        /// The node certificate (PEM).
        public var certificatePEM: String
        /// The issuer's certificate and every one above it, nearest first (PEM).
        public var chainPEM: [String]
        /// The certificate's serial number (hex).
        public var certificateSerial: String
        /// Its expiry.
        public var notAfter: Date
    }

    /// Enrolls the machine `request` names.
    /// - Throws: ``NodeError`` `forbidden` (token, scope), `refused` (``EnrollmentPolicy``:
    ///   not in the inventory, retired, already enrolled) or `invalidInput` (serial, a
    ///   CSR that does not parse or whose signature does not match its key; the token is then
    ///   not spent).
    public func enroll(_ request: Request, now: Date) async throws -> Enrolled {
        guard NodeFacts.isName(request.serial) else { throw NodeError(.invalidInput, "a serial is 1 to 64 letters, digits, '.', '_' or '-'") }
        let token = try await tokens.check(secret: request.secret, now: now)
        let machine = try await tokens.inventory.machine(request.serial)
        if let machine, !token.value.scope.admits(serial: machine.serial, rack: machine.registration.rack, role: machine.registration.role) {
            throw try await refuse(
                request.serial, token, "the token is for \(token.value.scope.description), not machine \(request.serial)",
                code: .forbidden, now: now)
        }
        let held = try await store.record(EnrollmentPolicy.Issued.self, at: NodeKeys.enrolled(request.serial))
        let issued = try await held.asyncMap { try await current($0.value) }
        if let reason = EnrollmentPolicy.refusal(serial: request.serial, machine: machine, issued: token.value.force ? nil : issued, now: now) {
            throw try await refuse(request.serial, token, reason, now: now)
        }
        do { try PKIService.checkCSR(request.csr) } catch { throw NodeError(.invalidInput, error.message) }
        try await tokens.spend(token)
        try await prepareIssuer()
        let certificate = try await pki.sign(
            role: Self.role, csrPEM: request.csr,
            request: IssueRequest(commonName: request.serial, sans: [Self.uri(request.serial)]),
            requester: .node(name: request.serial))
        let record = EnrollmentPolicy.Issued(certificateSerial: certificate.record.serial, notAfter: certificate.record.notAfter)
        try await save(record, replacing: held, serial: request.serial, token: token.value, now: now)
        if let old = issued, !old.revoked {
            _ = try? await pki.revoke(serial: old.certificateSerial, reason: .superseded, by: .node(name: request.serial))
        }
        return Enrolled(
            certificatePEM: certificate.certificatePEM, chainPEM: certificate.chainPEM,
            certificateSerial: record.certificateSerial, notAfter: record.notAfter)
    }

    /// The store enrollment records live in.
    public var store: Store { tokens.store }

    /// The enrolled record with its revocation as the PKI knows it now.
    private func current(_ issued: EnrollmentPolicy.Issued) async throws -> EnrollmentPolicy.Issued {
        var issued = issued
        issued.revoked = (try? await pki.revocation(serial: issued.certificateSerial)) != nil
        return issued
    }

    /// Writes the machine's certificate and the audit record, if nobody enrolled it meanwhile
    /// (two tokens racing for one machine: one certificate wins, the other is revoked).
    private func save(
        _ issued: EnrollmentPolicy.Issued, replacing held: Record<EnrollmentPolicy.Issued>?, serial: String,
        token: NodeTokenRecord, now: Date
    ) async throws {
        let key = NodeKeys.enrolled(serial)
        let compare = held.map { Compare(key, .equal, .modRevision($0.modRevision)) } ?? Compare(key, .equal, .version(0))
        let audit = try tokens.audit(
            "node:\(serial)", "nodes.enroll", serial,
            detail:
                "token \(token.id) (\(token.scope.description)), certificate \(issued.certificateSerial), valid until \(issued.notAfter.formatted(.iso8601))",
            now: now)
        let result = try await store.txn(Txn(compares: [compare], success: [.put(key: key, value: try Store.encode(issued), lease: 0), audit]))
        guard result.succeeded else {
            _ = try? await pki.revoke(serial: issued.certificateSerial, reason: .superseded, by: .node(name: serial))
            throw NodeError(.refused, "machine \(serial) enrolled with another token at the same time; this certificate was revoked")
        }
    }

    /// Records a refusal of a valid token in the audit log (the token stays unspent) and returns it.
    private func refuse(
        _ serial: String, _ token: Record<NodeTokenRecord>, _ reason: String, code: NodeError.Code = .refused,
        now: Date
    ) async throws -> NodeError {
        let entry = AuditEntry(
            time: now, actor: "node:\(serial)", member: tokens.auditMember, action: "nodes.enroll", subject: serial,
            detail: "token \(token.value.id): \(reason)", outcome: "refused")
        _ = try await store.txn(Txn(success: [try AuditLog.put(entry)]))
        return NodeError(code, reason)
    }

    /// The node role's document (`kiban ca roles set kiban-node`), with certificates valid
    /// `validitySeconds`: what the first enrollment creates with ``validitySeconds``.
    public static func roleDocument(validitySeconds: Int) -> String {
        """
        issuer: \(issuer)
        allowed_names: ["{{node}}"]
        allowed_uri_sans: ["kiban-node://"]
        allow_nodes: true
        generate_key: false
        ext_key_usage: [clientAuth]
        key_usage: [digitalSignature]
        key_types: [p256, ed25519]
        max_ttl: \(validitySeconds)s
        """
    }

    /// Creates the `nodes` issuer (an intermediate of the cluster root) and the node role when
    /// they are missing. Two members racing: one creates, the other finds it.
    func prepareIssuer() async throws {
        let actor = Requester.operator(user: "cluster")
        do { _ = try await pki.issuer(Self.issuer) } catch let error as CAError where error.code == .notFound {
            do { _ = try await pki.createIssuer(Self.issuer, parent: "root", by: actor) } catch let error as CAError where error.code == .conflict {}
        }
        do { _ = try await pki.role(Self.role) } catch let error as CAError where error.code == .notFound {
            _ = try await pki.setRole(Self.role, document: Array(Self.roleDocument(validitySeconds: Int(Self.validitySeconds)).utf8), by: actor)
        }
    }
}
