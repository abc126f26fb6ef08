import ArgumentParser
import Foundation
import KibanAdminAPI
import KibanServer

#if canImport(Glibc)
    import Glibc
#endif

/// `kiban snapshot save|restore`: backups and disaster recovery.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "Save a backup of the cluster's state, or restore one into a new cluster.",
        subcommands: [Save.self, Restore.self])

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent copy of the replicated state to FILE.",
            discussion: """
                The copy holds every write acknowledged before the command started (any member can \
                serve it). It is written to a temporary file beside FILE, synced to disk and renamed, \
                so FILE is either the whole backup or untouched. The CA key in the backup is sealed \
                under the cluster's key-encryption key, which is NOT in the backup: back up \
                /var/lib/kiban/tls/kek (any member's; they are the same) once, separately and \
                offline. `kiban snapshot restore` needs both.

                  kiban snapshot save /var/backups/kiban-$(date +%F).db
                  install -m 600 /var/lib/kiban/tls/kek /secure-offline-place/kiban.kek   # once
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "Where to write the backup.")
        var file: String

        func run() throws {
            var stream = try AdminStream(
                AdminClient(socketPath: client.socketPath), "GET", "/v1/snapshot",
                timeoutSeconds: AdminClient.answerSecondsDefault)
            guard let expected = stream.headers["content-length"].flatMap({ Int64($0) }) else {
                throw AdminClient.Failure(description: "the daemon sent a backup without its size; are the CLI and daemon the same version?")
            }
            let out = try AtomicFile(path: file)
            var written: Int64 = 0
            do {
                while let bytes = try stream.next() {
                    try out.handle.write(contentsOf: bytes)
                    written += Int64(bytes.count)
                }
                guard written == expected else {
                    throw AdminClient.Failure(
                        description:
                            "the backup stream ended after \(written) of \(expected) bytes; nothing was written to \(file). Check the daemon's log and retry")
                }
                try out.commit()
            } catch {
                out.abort()
                throw error
            }
            let revision = stream.headers["kiban-revision"] ?? "?"
            let applied = stream.headers["kiban-applied-index"] ?? "?"
            let json = "{\"appliedIndex\":\(applied),\"bytes\":\(written),\"file\":\(Self.quoted(file)),\"revision\":\(revision)}"
            client.print(json: Array(json.utf8), rows: [["FILE", "BYTES", "REVISION", "APPLIED INDEX"], [file, "\(written)", revision, applied]])
            if client.output == .table {
                let kek = stream.headers["kiban-kek"] ?? "the cluster's key-encryption key"
                FileHandle.standardError.write(
                    Data(
                        "note: the CA key in this backup is sealed by \(kek); restoring needs that key (tls/kek of any member), which is not in the backup: keep a copy of it separately\n"
                            .utf8))
            }
        }

        static func quoted(_ s: String) -> String {
            String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new one-member cluster from a backup (offline, no daemon running there).",
            discussion: """
                Disaster recovery, like `etcdutl snapshot restore`: the data directory must be empty \
                or absent. The new cluster keeps every key and the CA of the backup; its only member \
                is this server (a new member certificate is issued), unused join tokens are dropped, \
                --kek names the cluster's key-encryption key (a copy of tls/kek) that opens the \
                sealed CA key, \
                and it gets a new cluster id. --name, --data-dir, --advertise-address and \
                --peer-port default to kiban.yaml, as for `kiban server`. Then start `kiban server` with the same name and data \
                directory, and join the other servers again with `kiban token create` / `kiban join` \
                (empty their data directories first).

                  kiban snapshot restore backup.db --kek /secure-offline-place/kiban.kek \\
                      --name boot-1 --data-dir /var/lib/kiban --advertise-address 10.0.0.1
                """)
        @Argument(help: "The backup written by `kiban snapshot save`.")
        var file: String
        @OptionGroup var member: MemberSettings
        @Option(help: "The cluster's key-encryption key (a copy of a member's tls/kek); the backup's CA key opens only with it.")
        var kek: String
        @Option(name: .shortAndLong, help: "Output format: table, json or yaml.")
        var output: OutputFormat = .table

        func run() throws {
            let settings = try member.load()
            let answer = try KibanServer.Restore.run(backup: file, config: settings, kekPath: kek)
            let json = Array(((try? JSONEncoder().encode(answer)) ?? Data()))
            output.print(
                json: json,
                rows: [
                    ["CLUSTER", "MEMBER", "REVISION", "APPLIED INDEX", "DATA DIR"],
                    [answer["cluster"] ?? "", answer["member"] ?? "", answer["revision"] ?? "", answer["appliedIndex"] ?? "", answer["dataDir"] ?? ""],
                ])
            if output == .table {
                Swift.print(
                    "next: kiban server --name \(settings.name) --data-dir \(settings.dataDir) --advertise-address \(settings.advertiseAddress) --peer-port \(settings.peerPort)"
                )
            }
        }
    }
}

/// A file that is whole or absent: written to a temporary file beside it, then fsync, rename,
/// and fsync of the directory.
struct AtomicFile {
    let path: String
    let temporary: String
    let handle: FileHandle

    init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        self.path = path
        temporary = url.deletingLastPathComponent().path + "/.\(url.lastPathComponent).partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw AdminClient.Failure(
                description: "cannot create \(temporary): \(String(cString: strerror(errno))); check that the directory exists and is writable")
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    /// Syncs and renames the file into place.
    func commit() throws {
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            throw AdminClient.Failure(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        let directory = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }

    /// Removes the temporary file.
    func abort() {
        try? handle.close()
        unlink(temporary)
    }
}
