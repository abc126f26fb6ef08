import ArgumentParser
import KibanAdminAPI

/// `kiban members list|remove|transfer-leader`.
struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members", abstract: "List, remove members and move leadership.",
        subcommands: [List.self, Remove.self, TransferLeader.self, Promote.self, AutoPromote.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the members (match index shown on the leader).")
        @OptionGroup var client: ClientOptions

        func run() throws {
            let (members, json) = try client.call("GET", "/v1/members", as: [MemberInfo].self)
            client.print(json: json, rows: [MemberInfo.header] + members.map(\.row))
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a member (on any member: a follower forwards it to the leader).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The member's name.")
        var name: String
        @Flag(help: "Allow a removal that leaves a single voter.")
        var force = false

        func run() throws {
            let (_, json) = try client.call("DELETE", "/v1/members/\(name)?force=\(force)", as: [String: String].self)
            client.print(json: json, rows: [["REMOVED"], [name]])
        }
    }

    struct TransferLeader: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hand leadership to NAME, or to the most up-to-date other voter (on any member).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "The new leader's name.")
        var name: String?

        func run() throws {
            let body = name.map { ["name": $0] } ?? [:]
            let (s, json) = try client.call("POST", "/v1/members/transfer-leader", body: body, as: StatusInfo.self)
            client.print(json: json, rows: [["LEADER", "TERM"], [s.leader ?? "none", s.term.map { "\($0)" } ?? "-"]])
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a caught-up learner a voter (on any member).",
            discussion:
                "The leader refuses a learner that has not caught up or has not answered it within an election timeout: a voter without the log, or one that is down, would weaken the quorum. With auto-promotion on (the default) the leader does this by itself."
        )
        @OptionGroup var client: ClientOptions
        @Argument(help: "The learner's name.")
        var name: String

        func run() throws {
            let (_, json) = try client.call("POST", "/v1/members/promote", body: ["name": name], as: [String: Bool].self)
            client.print(json: json, rows: [["PROMOTED"], [name]])
        }
    }

    struct AutoPromote: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "auto-promote", abstract: "Turn automatic promotion of caught-up learners on or off, for the whole cluster.",
            discussion:
                "Off, a joined server stays a learner (it replicates but does not vote) until `kiban members promote NAME`.\n\nExample: kiban members auto-promote off"
        )
        @OptionGroup var client: ClientOptions
        @Argument(help: "on or off.")
        var state: String

        func validate() throws {
            guard ["on", "off"].contains(state) else { throw ValidationError("give on or off, not \(state)") }
        }

        func run() throws {
            let (_, json) = try client.call("PUT", "/v1/members/auto-promote", body: ["enabled": state == "on"], as: [String: Bool].self)
            client.print(json: json, rows: [["AUTO-PROMOTE"], [state]])
        }
    }
}
