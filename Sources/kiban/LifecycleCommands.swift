import ArgumentParser

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
    static let configuration = CommandConfiguration(
        commandName: "join", abstract: "Join this server to a cluster with a token from `kiban token create`.")
    @OptionGroup var client: ClientOptions
    @Argument(help: "The join token.")
    var token: String

    func run() throws {
        let (answer, json) = try client.call("POST", "/v1/join", body: ["token": token], as: [String: String].self)
        client.print(json: json, rows: [["CLUSTER", "MEMBER", "ROLE"], [answer["cluster"] ?? "", answer["member"] ?? "", "learner (promoted once caught up)"]])
    }
}

/// `kiban status`: exits 1 when this member knows no leader.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the cluster as this member sees it (exit 1 when there is no leader).")
    @OptionGroup var client: ClientOptions

    func run() throws {
        let (s, json) = try client.call("GET", "/v1/status", as: StatusView.self)
        var rows = [["CLUSTER", "MEMBER", "ROLE", "LEADER", "TERM", "COMMIT", "APPLIED"],
                    [s.cluster ?? "-", s.member ?? "-", s.role ?? "uninitialized", s.leader ?? "none",
                     s.term.map { "\($0)" } ?? "-", s.commitIndex.map { "\($0)" } ?? "-", s.appliedIndex.map { "\($0)" } ?? "-"]]
        if !s.members.isEmpty {
            rows += [[""], ["NAME", "ID", "ENDPOINT", "ROLE", "LEADER", "MATCH"]] + s.members.map(\.row)
        }
        client.print(json: json, rows: rows)
        guard s.leader != nil else { throw ExitCode(1) }
    }
}

/// `GET /v1/status`, as the CLI reads it.
struct StatusView: Decodable {
    var cluster: String?
    var member: String?
    var role: String?
    var leader: String?
    var term: UInt64?
    var commitIndex: UInt64?
    var appliedIndex: UInt64?
    var members: [MemberView]
}

/// One member row.
struct MemberView: Decodable {
    var name: String
    var id: String
    var endpoint: String
    var role: String
    var leader: Bool
    var matchIndex: UInt64?

    var row: [String] { [name, id, endpoint, role, leader ? "*" : "", matchIndex.map { "\($0)" } ?? "-"] }
}
