import ArgumentParser
import Foundation
import KibanAdminAPI

/// `kiban init`.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a new cluster with this server as its only member.")
    @OptionGroup var client: ClientOptions

    func run() throws {
        let (answer, json) = try client.call("POST", "/v1/init", as: [String: String].self)
        client.print(json: json, rows: [["CLUSTER", "MEMBER", "CA"], [answer["cluster"] ?? "", answer["member"] ?? "", answer["ca"] ?? ""]])
    }
}

/// `kiban join TOKEN`.
struct JoinCommand: ParsableCommand {
    @OptionGroup var client: ClientOptions
    @Argument(
        help:
            "The join token, or - to read it from standard input. Prefer --token-file or standard input: an argument is visible to every user in the process list and lands in shell history."
    )
    var token: String?
    @Option(help: "Read the token from this file (for example one only root can read).")
    var tokenFile: String?

    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Join this server to a cluster with a token from `kiban token create`.",
        discussion: """
            The token names the cluster's members and the fingerprint of its CA; this server checks the CA before it sends the token's secret, then gets its member certificate and the cluster's key-encryption key, and starts as a learner. The leader promotes it to voter once it has caught up (unless auto-promotion is off: then `kiban members promote NAME`).

            Examples:
              kiban join --token-file /root/boot-2.token
              ssh boot-1 kiban token create boot-2 | kiban join -
            """)

    func run() throws {
        let token = try Self.read(argument: self.token, file: tokenFile)
        let (answer, json) = try client.call("POST", "/v1/join", body: ["token": token], as: [String: String].self)
        client.print(
            json: json, rows: [["CLUSTER", "MEMBER", "ROLE"], [answer["cluster"] ?? "", answer["member"] ?? "", "learner (promoted once caught up)"]])
    }
}

extension JoinCommand {
    /// The token from exactly one of: the argument, standard input (`-`), a file.
    static func read(argument: String?, file: String?) throws -> String {
        let text: String
        switch (argument, file) {
        case (nil, nil): throw ValidationError("give the token: --token-file FILE, - (standard input), or as the argument")
        case (_?, _?): throw ValidationError("give the token once: as the argument or with --token-file, not both")
        case ("-", nil):
            var lines: [String] = []
            while let line = Swift.readLine() { lines.append(line) }
            text = lines.joined(separator: "\n")
        case (let t?, nil): text = t
        case (nil, let path?):
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the token file \(path)")
            }
            text = contents
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError("the token is empty") }
        return trimmed
    }
}

/// `kiban status`: exits 1 when this member knows no leader.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the cluster: this member's view, then each member's own (exit 1 when there is no leader).",
        discussion: """
            The first table is this member's view; the members table lists every member as the
            leader sees it. The last table is each member's own view (its role, the leader it
            knows, its term and indexes), asked over the peer port: a member that does not
            answer within 3 seconds shows as unreachable. --local skips that.
            """)
    @OptionGroup var client: ClientOptions
    @Flag(help: "Only this member's view: do not ask the other members.")
    var local = false

    func run() throws {
        let (s, json) = try client.call("GET", local ? "/v1/status" : "/v1/status?cluster=true", as: StatusInfo.self)
        let numbers: [String] = [
            s.term.map { "\($0)" } ?? "-", s.commitIndex.map { "\($0)" } ?? "-",
            s.appliedIndex.map { "\($0)" } ?? "-", s.certificateDaysLeft.map { "\($0)" } ?? "-",
        ]
        let names: [String] = [s.cluster ?? "-", s.member ?? "-", s.role ?? "uninitialized", s.leader ?? "none"]
        var rows: [[String]] = [["CLUSTER", "MEMBER", "ROLE", "LEADER", "TERM", "COMMIT", "APPLIED", "CERT-DAYS-LEFT"], names + numbers]
        if !s.members.isEmpty {
            rows += [[""], MemberInfo.header] + s.members.map(\.row)
        }
        if let views = s.views, !views.isEmpty {
            rows += [[""], MemberReport.header] + views.map(\.row)
        }
        client.print(json: json, rows: rows)
        guard s.leader != nil else { throw ExitCode(1) }
    }
}

/// One member's own view (`views` in `GET /v1/status?cluster=true`) as a table row.
extension MemberReport {
    static let header = ["MEMBER", "ANSWERS", "ITS-ROLE", "ITS-LEADER", "ITS-TERM", "ITS-COMMIT", "ITS-APPLIED"]
    var row: [String] {
        [
            name, reachable ? "yes" : "no: \(error ?? "")", status?.role ?? "-", status?.leader ?? "none", status?.term.map { "\($0)" } ?? "-",
            status?.commitIndex.map { "\($0)" } ?? "-", status?.appliedIndex.map { "\($0)" } ?? "-",
        ]
    }
}

/// One member as a table row.
extension MemberInfo {
    static let header = ["NAME", "ID", "ENDPOINT", "ROLE", "LEADER", "MATCH", "CERT-DAYS-LEFT"]
    var row: [String] {
        [name, id, endpoint, role, leader ? "*" : "", matchIndex.map { "\($0)" } ?? "-", certificateDaysLeft.map { "\($0)" } ?? "-"]
    }
}
