import Foundation
import Glibc
import KibanTestSupport
import Testing

/// A `kiban server` started by hand (no systemd unit, no UMask=) keeps its data directory and
/// the store's files to itself.
@Suite("Data directory and store file modes", .serialized)
struct DataDirectoryModeTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    @Test("A new member's data directory is 0700 and raft.db, state.db and their -wal and -shm files are 0600")
    func newMember() async throws {
        // What a shell usually has (the daemon inherits it): the modes must not depend on it.
        let previous = umask(0o022)
        defer { umask(previous) }
        try await DaemonTestSupport.withMember("modes") { member, _ in
            #expect(member.cli("kv", "put", "k", "v").code == 0)
            let data = member.dataDir
            #expect(Self.mode(data) == 0o700, "data directory mode \(String(Self.mode(data) ?? 0, radix: 8))")
            var checked: [String] = []
            for db in ["raft.db", "state.db"] {
                for suffix in ["", "-wal", "-shm"] {
                    let path = data + "/" + db + suffix
                    guard let mode = Self.mode(path) else { continue }
                    #expect(mode == 0o600, "\(db + suffix) mode \(String(mode, radix: 8))")
                    checked.append(db + suffix)
                }
            }
            #expect(checked.contains("raft.db") && checked.contains("state.db") && checked.contains("state.db-wal"), "\(checked)")
        }
    }

    @Test("A data directory found readable by others is set to 0700, with a warning in the log")
    func existingDirectoryTightened() async throws {
        let root = try temporaryDirectory("kiban-modes-existing")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = ServerProcess(name: "modes-old", under: root)
        try FileManager.default.createDirectory(atPath: server.dataDir, withIntermediateDirectories: true)
        #expect(chmod(server.dataDir, 0o755) == 0)
        try await server.start()
        defer { server.stop() }
        #expect(Self.mode(server.dataDir) == 0o700)
        #expect(server.log.contains("the data directory was readable by others; it is now mode 0700"), "\(server.log)")
    }
}
