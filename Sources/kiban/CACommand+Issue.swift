import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanCA

/// `kiban ca issue ROLE --cn … --san … --ttl …`: the CA generates the key.
struct IssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue", abstract: "Issue a certificate and a new key under a role.",
        discussion: """
            Prints the certificate, its chain and the key (PEM), or writes cert.pem, chain.pem, ca.pem and key.pem (mode 0600) to --out-dir. The key is not kept anywhere.

            Examples:
              kiban ca issue etcd-peer --cn etcd-0.dc1.example.com --san etcd-0.dc1.example.com --san 10.0.0.11 --ttl 720h
              kiban ca issue admin --cn kubernetes-admin --out-dir ./admin
            """)
    @OptionGroup var options: CAOptions
    @Argument(help: "The role to issue under.")
    var role: String
    @Option(help: "The subject's common name.")
    var cn = ""
    @Option(name: .customLong("san"), help: "A DNS name, IP address or URI (repeat for more).")
    var sans: [String] = []
    @Option(help: "Lifetime (default: the role's max_ttl).")
    var ttl: String?
    @Option(help: "Key type (default: the role's first): \(KeyType.names).")
    var keyType: String?
    @Option(help: "Write the files here instead of printing.")
    var outDir: String?

    func run() throws {
        let request = IssueRequest(
            commonName: cn, sans: sans, ttlSeconds: try CAOptions.seconds(ttl, option: "--ttl"),
            keyType: try keyType.map(CAOptions.keyType))
        let json = try options.send("POST", "/v1/ca/issue/\(CAOptions.segment(role))", json: request)
        try IssuedOutput.emit(try options.decode(IssuedCertificate.self, json), json: json, options: options, outDir: outDir)
    }
}

/// `kiban ca sign ROLE CSR-FILE`: the key never leaves the requester.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign a certificate signing request under a role.",
        discussion: """
            Names come from the CSR (subject CN and requested SANs) unless --cn or --san are given. Prints the certificate and chain, or writes cert.pem, chain.pem and ca.pem to --out-dir.

            Examples:
              openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout etcd-0.key -subj /CN=etcd-0 -addext subjectAltName=DNS:etcd-0,IP:10.0.0.11 -out etcd-0.csr
              kiban ca sign etcd-peer etcd-0.csr --ttl 720h > etcd-0.pem
            """)
    @OptionGroup var options: CAOptions
    @Argument(help: "The role to sign under.")
    var role: String
    @Argument(help: "The CSR (PEM), or - for standard input.")
    var csr: String
    @Option(help: "Override the CSR's common name.")
    var cn: String?
    @Option(name: .customLong("san"), help: "Override the CSR's SANs (repeat for more).")
    var sans: [String] = []
    @Option(help: "Lifetime (default: the role's max_ttl).")
    var ttl: String?
    @Option(help: "Write the files here instead of printing.")
    var outDir: String?

    func run() throws {
        let pem = String(decoding: try ClientOptions.read(csr, what: "certificate signing request"), as: UTF8.self)
        let body = SignRequest(csr: pem, commonName: cn, sans: sans.isEmpty ? nil : sans, ttlSeconds: try CAOptions.seconds(ttl, option: "--ttl"))
        let json = try options.send("POST", "/v1/ca/sign/\(CAOptions.segment(role))", json: body)
        try IssuedOutput.emit(try options.decode(IssuedCertificate.self, json), json: json, options: options, outDir: outDir)
    }
}

/// `POST /v1/ca/sign/<role>`.
struct SignRequest: Encodable {
    var csr: String
    var commonName: String?
    var sans: [String]?
    var ttlSeconds: Double?
}

/// What `issue` and `sign` print or write.
enum IssuedOutput {
    static func emit(_ issued: IssuedCertificate, json: [UInt8], options: CAOptions, outDir: String?) throws {
        if let outDir { return try write(issued, to: outDir) }
        switch options.client.output {
        case .json, .yaml: options.client.print(document: json)
        case .table: print(([issued.certificatePEM] + issued.chainPEM + [issued.privateKeyPEM ?? ""]).joined(), terminator: "")
        }
    }

    /// cert.pem, chain.pem (issuer and above), ca.pem (the root), key.pem (0600, when the CA made the key).
    static func write(_ issued: IssuedCertificate, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var files = [
            ("cert.pem", issued.certificatePEM, 0o644), ("chain.pem", issued.chainPEM.joined(), 0o644),
            ("ca.pem", issued.chainPEM.last ?? "", 0o644),
        ]
        if let key = issued.privateKeyPEM { files.append(("key.pem", key, 0o600)) }
        for (name, text, mode) in files {
            let path = dir + "/" + name
            _ = unlink(path)
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
                throw AdminClient.Failure(description: "cannot write \(path)")
            }
        }
        print("wrote \(files.map(\.0).joined(separator: ", ")) to \(dir) (serial \(issued.record.serial), expires \(CAOptions.date(issued.record.notAfter)))")
    }
}
