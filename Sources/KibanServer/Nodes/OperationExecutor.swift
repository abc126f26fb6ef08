import Crypto
import Foundation
import KibanNodes

/// Performs one ``AgentOperation`` on this machine, idempotently: a file whose SHA-256 is
/// already the content's is not rewritten (only its mode and owner are set); other files are
/// written to a temporary file beside them, synced and renamed into place; units go through
/// `systemctl`; commands run without a shell (``ProcessRun``), killed at their time limit.
///
/// Besides the operation's own checks (``AgentOperation/problems``: clean absolute paths), the
/// agent refuses to write into its own state directory (its key and memory of finished
/// operations), under `/proc`, `/sys` and `/dev`, and over anything that is not a regular file
/// (a symbolic link, directory or device is never replaced or followed).
struct OperationExecutor: Sendable {
    /// Where `systemctl` is.
    var systemctl = "/usr/bin/systemctl"
    /// Directories no file operation may write into.
    var refusedDirectories: [String]

    /// An executor for the agent whose state is in `stateDir`.
    init(stateDir: String) {
        let state = URL(fileURLWithPath: stateDir).standardizedFileURL.resolvingSymlinksInPath().path
        refusedDirectories = [state, "/proc", "/sys", "/dev"]
    }

    /// Runs `operation` and says how it went.
    func run(_ operation: AgentOperation) async -> OperationResult {
        let problems = operation.problems
        guard problems.isEmpty else { return Self.result(operation, false, nil, "refused: " + problems.joined(separator: "; ")) }
        switch operation.action {
        case .writeFile(let path, let content, let mode, let owner):
            do {
                return Self.result(operation, true, nil, try write(path, content, mode: mode, owner: owner))
            } catch {
                return Self.result(operation, false, nil, "\(error)")
            }
        case .unit(let name, let verb):
            let outcome = await ProcessRun([systemctl, verb.rawValue, "--", name], timeoutSeconds: 300).run()
            return Self.result(operation, outcome.status == 0, outcome.status, outcome.output + Self.ending(outcome, 300))
        case .command(let argv, let timeout):
            let outcome = await ProcessRun(argv, timeoutSeconds: timeout).run()
            return Self.result(operation, outcome.status == 0, outcome.status, outcome.output + Self.ending(outcome, timeout))
        }
    }

    private static func result(_ operation: AgentOperation, _ succeeded: Bool, _ status: Int32?, _ output: String) -> OperationResult {
        OperationResult(id: operation.id, succeeded: succeeded, exitStatus: status, output: output, finished: Date())
    }

    /// A line saying how a program ended when it did not exit by itself.
    private static func ending(_ outcome: ProcessRun.Outcome, _ timeout: Int) -> String {
        if outcome.timedOut { return "\n[kiban-agent] killed after \(timeout) s" }
        return outcome.status == nil ? "\n[kiban-agent] did not exit normally" : ""
    }

    /// Writes the file unless it already holds `content`; returns what was done.
    private func write(_ path: String, _ content: Data, mode: UInt16, owner: String) throws -> String {
        try refuse(path)
        let (uid, gid) = try Self.owner(owner)
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFREG else { throw OperationFailure("refused: \(path) exists and is not a regular file") }
            if let held = FileManager.default.contents(atPath: path), SHA256.hash(data: held) == SHA256.hash(data: content) {
                var changed: [String] = []
                if info.st_mode & 0o7777 != mode_t(mode) {
                    guard chmod(path, mode_t(mode)) == 0 else { throw OperationFailure.call("chmod \(path)") }
                    changed.append("mode")
                }
                if info.st_uid != uid || info.st_gid != gid {
                    guard chown(path, uid, gid) == 0 else { throw OperationFailure.call("chown \(path)") }
                    changed.append("owner")
                }
                return "unchanged: \(path) already has this content (sha256)" + (changed.isEmpty ? "" : "; set its \(changed.joined(separator: " and "))")
            }
        }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        // The directory as it really is: a symbolic link on the way must not lead into a refused one.
        try refuse(URL(fileURLWithPath: directory).resolvingSymlinksInPath().path + "/" + (path as NSString).lastPathComponent)
        let temporary = directory + "/.kiban-" + UUID().uuidString
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OperationFailure.call("create \(temporary)") }
        var done = false
        defer {
            if !done { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try content.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw OperationFailure.call("write \(temporary)") }
                    offset += n
                }
            }
            guard fchown(fd, uid, gid) == 0 else { throw OperationFailure.call("chown \(temporary)") }
            guard fchmod(fd, mode_t(mode)) == 0 else { throw OperationFailure.call("chmod \(temporary)") }
            guard fsync(fd) == 0 else { throw OperationFailure.call("fsync \(temporary)") }
        }
        guard rename(temporary, path) == 0 else { throw OperationFailure.call("rename to \(path)") }
        done = true
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
        return "wrote \(content.count) bytes to \(path)"
    }

    /// Refuses a path in or under one of ``refusedDirectories``.
    private func refuse(_ path: String) throws {
        if let refused = refusedDirectories.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            throw OperationFailure("refused: \(path) is under \(refused), which operations do not write")
        }
    }

    /// The uid and gid of `user:group` (names, or numbers when no such name exists).
    private static func owner(_ owner: String) throws -> (uid_t, gid_t) {
        let parts = owner.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw OperationFailure("owner must be user:group") }
        guard let uid = getpwnam(parts[0]).map({ $0.pointee.pw_uid }) ?? uid_t(parts[0]) else { throw OperationFailure("no user \(parts[0]) on this machine") }
        guard let gid = getgrnam(parts[1]).map({ $0.pointee.gr_gid }) ?? gid_t(parts[1]) else { throw OperationFailure("no group \(parts[1]) on this machine") }
        return (uid, gid)
    }
}

/// Why an operation failed, as its output says.
struct OperationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// A failed system call, with its errno's text.
    static func call(_ what: String) -> OperationFailure { OperationFailure("cannot \(what): \(String(cString: strerror(errno)))") }
}
