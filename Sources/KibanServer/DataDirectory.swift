import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The data directory holds the store (`raft.db`, `state.db`), the member's TLS key and the
/// CA's, so nobody but the daemon's user may read it: it is created mode 0700, and one found
/// with group or other bits is set to 0700 with a warning (as systemd's `StateDirectoryMode=`
/// does at every start). The files in it are created 0600 by their writers (the process umask
/// is 077 under `kiban server`; SQLite files are created 0600 explicitly).
enum DataDirectory {
    /// The mode of the data directory.
    static let mode: mode_t = 0o700

    /// Creates `path` (0700) or tightens it to 0700.
    /// - Throws: ``ServerError`` `config` when it cannot be created or is not a directory.
    static func secure(_ path: String, logger: Logger) throws(ServerError) {
        var info = stat()
        if stat(path, &info) != 0 {
            do {
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: Int(mode)])
            } catch {
                throw ServerError(.config, "cannot create the data directory \(path): \(error); check the parent's permissions")
            }
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ServerError(.config, "the data directory \(path) is not a directory; move that file away or set data-dir")
        }
        let permissions = info.st_mode & 0o7777
        guard permissions & 0o077 != 0 else { return }
        let was = String(permissions, radix: 8)
        if chmod(path, mode) == 0 {
            logger.warning(
                "the data directory was readable by others; it is now mode 0700",
                metadata: ["kiban.server.data_dir": "\(path)", "kiban.server.mode_was": "0\(was)"])
        } else {
            logger.warning(
                "the data directory is readable by others and its mode cannot be changed: the store and keys in it are exposed; chmod 0700 it",
                metadata: [
                    "kiban.server.data_dir": "\(path)", "kiban.server.mode": "0\(was)",
                    "kiban.server.error": "\(String(cString: strerror(errno)))",
                ])
        }
    }
}
