/// Who called the admin API: the peer credentials of the Unix-socket connection (SO_PEERCRED),
/// recorded in the audit record of every change.
public struct Caller: Sendable, Hashable, Codable {
    /// Process id.
    public var pid: Int32
    /// User id.
    public var uid: UInt32
    /// Group id.
    public var gid: UInt32
    /// The member whose admin socket received the command, when another member forwarded it;
    /// nil for this member's own socket.
    public var member: String?

    /// Creates a caller.
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// A change the cluster makes by itself (an admission, a promotion, a renewal, a sweep):
    /// pid 0, which no caller of the socket has.
    public static let cluster = Caller(pid: 0, uid: 0, gid: 0)
}
