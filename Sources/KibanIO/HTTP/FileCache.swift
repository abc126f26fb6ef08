import Synchronization

/// Small files (at most `HTTPServer.smallFileBytes`) kept in memory per ring, with their
/// serialised `200` response, so that a boot storm asking for the same iPXE script or config
/// file costs no file system calls. An entry is re-read after `lifetimeNanoseconds`, so a file
/// replaced on disk is served stale for at most that long (content-addressed blobs never are).
final class FileCache: Sendable {
    /// A cached file and its ready-made responses.
    struct Entry: Sendable {
        let body: [UInt8]
        let etag: String
        let contentType: String
        /// The keep-alive `200` response after its status line, body included: a plain GET is
        /// answered with the status line, the current `Date` line and this.
        let getResponse: [UInt8]
        /// The same without the body, for HEAD.
        let headResponse: [UInt8]
        let loadedAt: UInt64
    }

    /// The status line the cached responses leave out.
    static let okStatusLine = ResponseHead.statusLine(.ok)

    private let entries = Mutex<[String: Entry]>([:])
    private let lifetimeNanoseconds: UInt64
    private let entriesMax: Int

    init(lifetimeMilliseconds: Int, entriesMax: Int) {
        lifetimeNanoseconds = UInt64(max(0, lifetimeMilliseconds)) * 1_000_000
        self.entriesMax = entriesMax
    }

    var enabled: Bool { lifetimeNanoseconds > 0 && entriesMax > 0 }

    /// The fresh entry for `path`, if any.
    func lookup(_ path: String, now: UInt64) -> Entry? {
        guard enabled else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[path] else { return nil }
            return now &- entry.loadedAt < lifetimeNanoseconds ? entry : nil
        }
    }

    /// Caches a small file read in full; when the cache is full, expired entries make room, and
    /// if none expired the file is simply not cached.
    @discardableResult
    func insert(_ path: String, body: [UInt8], etag: String, contentType: String, now: UInt64) -> Entry {
        let plan = ResponsePlan(
            Representation(status: .ok, contentType: contentType, body: .bytes(body), etag: etag),
            for: nil)
        let head = ResponseHead.serialize(plan, keepAlive: true, date: nil).dropFirst(Self.okStatusLine.count)
        let entry = Entry(
            body: body, etag: etag, contentType: contentType, getResponse: Array(head) + body,
            headResponse: Array(head), loadedAt: now)
        guard enabled else { return entry }
        entries.withLock { entries in
            if entries.count >= entriesMax {
                entries = entries.filter { now &- $0.value.loadedAt < lifetimeNanoseconds }
            }
            if entries.count < entriesMax { entries[path] = entry }
        }
        return entry
    }
}
