import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanCA

/// `kiban ca certs list|show`: the certificate inventory.
struct CertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs", abstract: "List and show issued certificates.",
        discussion: """
            Examples:
              kiban ca certs list --issuer etcd
              kiban ca certs list --expiring 30d
              kiban ca certs show 3f9a… -o yaml
            """,
        subcommands: [List.self, Show.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List issued certificates.")
        @OptionGroup var options: CAOptions
        @Option(help: "Only this issuer's certificates.")
        var issuer: String?
        @Option(help: "Only certificates neither revoked nor expired that expire within this time (30d).")
        var expiring: String?

        func run() throws {
            let seconds = try CAOptions.seconds(expiring, option: "--expiring").map { String(Int($0)) }
            let query = [("issuer", issuer), ("expiring", seconds)].compactMap { name, value in value.map { "\(name)=\($0.queryEscaped)" } }
            let json = try options.send("GET", "/v1/ca/certs" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
            CertsCommand.printCertificates(options, json: json, try options.decode([CertificateRecord].self, json))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one certificate; --pem prints the certificate itself.")
        @OptionGroup var options: CAOptions
        @Argument(help: "The serial (hex, as openssl x509 -serial prints it).")
        var serial: String
        @Flag(help: "Print the certificate (PEM).")
        var pem = false

        func run() throws {
            let json = try options.send("GET", "/v1/ca/certs/\(CAOptions.segment(serial))")
            let record = try options.decode(CertificateRecord.self, json)
            if pem { return Swift.print(record.certificatePEM, terminator: "") }
            CertsCommand.printCertificates(options, json: json, [record])
        }
    }

    static func printCertificates(_ options: CAOptions, json: [UInt8], _ records: [CertificateRecord]) {
        options.print(
            json: json,
            rows: [["SERIAL", "ISSUER", "ROLE", "SUBJECT", "SANS", "NOT AFTER", "REVOKED"]]
                + records.map {
                    [
                        $0.serial, $0.issuer, $0.role, $0.commonName, $0.sans.joined(separator: ","), CAOptions.date($0.notAfter),
                        $0.revocation.map { "\(CAOptions.date($0.at)) \($0.reason.rawValue)" } ?? "-",
                    ]
                })
    }
}

/// `kiban ca revoke SERIAL [--reason]`.
struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a certificate: its issuer's CRL lists it from now on.",
        discussion: """
            Examples:
              kiban ca revoke 3f9a… --reason keyCompromise
            """)
    @OptionGroup var options: CAOptions
    @Argument(help: "The serial (hex).")
    var serial: String
    @Option(help: "Why: \(RevocationReason.allCases.map(\.rawValue).joined(separator: ", ")).")
    var reason = RevocationReason.unspecified.rawValue

    func run() throws {
        let json = try options.send("POST", "/v1/ca/certs/\(CAOptions.segment(serial))/revoke", json: ["reason": reason])
        CertsCommand.printCertificates(options, json: json, [try options.decode(CertificateRecord.self, json)])
    }
}

/// `kiban ca crl ISSUER --out FILE`.
struct CRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl", abstract: "Write an issuer's certificate revocation list (DER, or PEM with --pem).",
        discussion: """
            The CRL is signed by the issuer, valid three days (its next update); fetch it again before then. Every member also serves it at http://<member>:<boot port>/ca/<issuer>.crl.

            Examples:
              kiban ca crl etcd --out etcd.crl
              kiban ca crl kubernetes --generation 1 --pem --out kubernetes-g1.crl.pem
            """)
    @OptionGroup var options: CAOptions
    @Argument(help: "The issuer's name (root for the cluster root).")
    var issuer: String
    @Option(help: "The file to write (- for standard output).")
    var out: String
    @Option(help: "A rotated issuer's earlier generation (default: the active one).")
    var generation: Int?
    @Flag(help: "PEM (X509 CRL) instead of DER.")
    var pem = false

    func run() throws {
        let query = generation.map { "?generation=\($0)" } ?? ""
        let json = try options.send("GET", "/v1/ca/issuers/\(CAOptions.segment(issuer))/crl" + query)
        let der = Array(try options.decode(CRLFile.self, json).der)
        let bytes = pem ? Array(CRLFile.pem(der).utf8) : der
        if out == "-" { return FileHandle.standardOutput.write(Data(bytes)) }
        guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
            throw AdminClient.Failure(description: "cannot write \(out)")
        }
    }
}

/// `GET /v1/ca/issuers/<name>/crl`.
struct CRLFile: Decodable {
    var issuer: String
    var der: Data

    static func pem(_ der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN X509 CRL-----\n\(base64)\n-----END X509 CRL-----\n"
    }
}

/// `kiban ca audit`: who created, rotated, issued, signed and revoked what.
struct CAAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the PKI's part of the audit log, oldest first.",
        discussion: """
            The PKI's entries of the cluster's one audit log, as `kiban audit --action pki` shows them with the member and outcome.

            Examples:
              kiban ca audit
              kiban ca audit -o json | jq '.[] | select(.action == "revoke")'
            """)
    @OptionGroup var options: CAOptions

    func run() throws {
        let json = try options.send("GET", "/v1/ca/audit")
        options.print(
            json: json,
            rows: [["TIME", "ACTOR", "ACTION", "SUBJECT", "DETAIL"]]
                + (try options.decode([PKIAuditRecord].self, json)).map {
                    [CAOptions.date($0.time), $0.actor, $0.action, $0.subject, $0.detail]
                })
    }
}
