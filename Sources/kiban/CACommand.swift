import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanCA

/// `kiban ca issuers|roles|issue|sign|certs|revoke|crl`: the PKI (docs/pki.md).
struct CACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Issuers, roles, certificates, revocation and CRLs (the PKI).",
        discussion: """
            Issuers sign; roles say what each kind of certificate may name; every certificate issued is listed and can be revoked. Issuer keys are sealed in the store and never shown (docs/pki.md).

            Examples:
              kiban ca issuers create etcd --parent root
              kiban ca roles set etcd-peer etcd-peer.yaml
              kiban ca issue etcd-peer --cn etcd-0.dc1.example.com --san 10.0.0.11 --ttl 720h --out-dir /etc/etcd/pki
              kiban ca sign etcd-peer etcd-0.csr > etcd-0.pem
              kiban ca certs list --expiring 30d
              kiban ca revoke 3f9a…  --reason keyCompromise
              kiban ca crl etcd --out etcd.crl
              kiban ca audit
            """,
        subcommands: [
            IssuersCommand.self, RolesCommand.self, IssueCommand.self, SignCommand.self, CertsCommand.self,
            RevokeCommand.self, CRLCommand.self, CAAuditCommand.self,
        ])
}

/// `--socket`, `-o`, and the PKI's JSON (RFC 3339 times) to and from the daemon.
struct CAOptions: ParsableArguments {
    @OptionGroup var client: ClientOptions

    /// Sends a request and returns the answer's JSON; an error answer becomes the daemon's message.
    func send(_ method: String, _ path: String, body: [UInt8] = []) throws -> [UInt8] {
        try client.send(method, path, body: body)
    }

    /// ``send(_:_:body:)`` with a JSON body.
    func send(_ method: String, _ path: String, json body: some Encodable) throws -> [UInt8] {
        try send(method, path, body: Array(try PKICodec.encoder().encode(body)))
    }

    /// Decodes the daemon's answer.
    func decode<T: Decodable>(_ type: T.Type, _ json: [UInt8]) throws -> T {
        do { return try PKICodec.decoder().decode(type, from: Data(json)) } catch {
            throw AdminClient.Failure(description: "the daemon's answer is not what this kiban expects (\(error)); are the CLI and daemon the same version?")
        }
    }

    /// `-o json|yaml` prints `json`; the table prints `rows`.
    func print(json: [UInt8], rows: [[String]]) { client.print(json: json, rows: rows) }

    static func date(_ date: Date) -> String { date.formatted(.iso8601) }

    /// A `--ttl` or `--expiring` value (`90s`, `30m`, `720h`, `30d`) in seconds.
    static func seconds(_ text: String?, option: String) throws -> Double? {
        guard let text else { return nil }
        guard let seconds = Duration.parseSeconds(text) else {
            throw ValidationError("\(option) must be a number followed by s, m, h or d (like 720h or 30d)")
        }
        return seconds
    }

    /// A `--key-type` value.
    static func keyType(_ text: String) throws -> KeyType {
        guard let type = KeyType(rawValue: text) else { throw ValidationError("--key-type must be one of \(KeyType.names)") }
        return type
    }

    /// A path segment, percent-encoded.
    static func segment(_ text: String) -> String {
        AdminRoute.escape(text)
    }
}

/// `kiban ca issuers create|list|show|rotate`.
struct IssuersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issuers", abstract: "Create, list, show and rotate issuers.",
        discussion: """
            `root` is the cluster root created by `kiban init`. A named issuer is an intermediate (--parent) or a separate root (--root).

            Examples:
              kiban ca issuers create etcd --parent root --ttl 1825d
              kiban ca issuers create kubernetes --root --key-type p384
              kiban ca issuers show kubernetes -o yaml
              kiban ca issuers rotate kubernetes
            """,
        subcommands: [Create.self, List.self, Show.self, Rotate.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an issuer with a new sealed key.")
        @OptionGroup var options: CAOptions
        @Argument(help: "The issuer's name (a-z, 0-9, -, _, .).")
        var name: String
        @Option(help: "The issuer that signs it (root for the cluster root).")
        var parent: String?
        @Flag(help: "A separate self-signed root instead of an intermediate.")
        var root = false
        @Option(help: "Lifetime (default: 3650d for a root, 1825d for an intermediate).")
        var ttl: String?
        @Option(help: "Key type: \(KeyType.names).")
        var keyType = KeyType.p256.rawValue

        func validate() throws {
            guard (parent == nil) == root else { throw ValidationError("give either --parent NAME or --root") }
            _ = try CAOptions.keyType(keyType)
        }

        func run() throws {
            let body = IssuerCreateRequest(
                name: name, parent: parent, ttlSeconds: try CAOptions.seconds(ttl, option: "--ttl"),
                keyType: try CAOptions.keyType(keyType))
            let json = try options.send("POST", "/v1/ca/issuers", json: body)
            try IssuersCommand.printIssuers(options, json: json, [try options.decode(IssuerView.self, json)])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issuers.")
        @OptionGroup var options: CAOptions

        func run() throws {
            let json = try options.send("GET", "/v1/ca/issuers")
            try IssuersCommand.printIssuers(options, json: json, try options.decode([IssuerView].self, json))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an issuer: its generations, or its certificate with --pem.")
        @OptionGroup var options: CAOptions
        @Argument(help: "The issuer's name.")
        var name: String
        @Flag(help: "Print the active certificate and its chain (PEM), for trust bundles.")
        var pem = false

        func run() throws {
            let json = try options.send("GET", "/v1/ca/issuers/\(CAOptions.segment(name))")
            let issuer = try options.decode(IssuerView.self, json)
            if pem { return Swift.print(([issuer.certificatePEM] + issuer.chainPEM).joined(), terminator: "") }
            options.print(
                json: json,
                rows: [["GENERATION", "SERIAL", "NOT BEFORE", "NOT AFTER", "STATE", "CROSS-SIGNED"]]
                    + issuer.generations.map {
                        [
                            String($0.number), $0.serial, CAOptions.date($0.notBefore), CAOptions.date($0.notAfter),
                            $0.retiredAt == nil ? "active" : "retired", $0.crossSignedPEM == nil ? "no" : "yes",
                        ]
                    })
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rotate an issuer: a new key and certificate overlapping the old one (docs/pki.md, Rotation).")
        @OptionGroup var options: CAOptions
        @Argument(help: "The issuer's name.")
        var name: String

        func run() throws {
            let json = try options.send("POST", "/v1/ca/issuers/\(CAOptions.segment(name))/rotate")
            try IssuersCommand.printIssuers(options, json: json, [try options.decode(IssuerView.self, json)])
        }
    }

    static func printIssuers(_ options: CAOptions, json: [UInt8], _ issuers: [IssuerView]) throws {
        options.print(
            json: json,
            rows: [["NAME", "PARENT", "KEY", "GENERATION", "NOT AFTER", "SUBJECT"]]
                + issuers.map {
                    [$0.name, $0.parent ?? "-", $0.keyType.rawValue, String($0.generation), CAOptions.date($0.notAfter), $0.subject]
                })
    }
}

/// `POST /v1/ca/issuers`.
struct IssuerCreateRequest: Encodable {
    var name: String
    var parent: String?
    var ttlSeconds: Double?
    var keyType: KeyType
}
