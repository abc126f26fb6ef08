#if canImport(Glibc)
    import Glibc
#endif

extension Caller {
    /// The caller as audit records name it, in `id(1)`'s form: `uid=1000(alice) gid=1000(alice)`;
    /// a number without a name when the host does not know it.
    var auditUser: String {
        let user = Self.userName(uid).map { "(\($0))" } ?? ""
        let group = Self.groupName(gid).map { "(\($0))" } ?? ""
        return "uid=\(uid)\(user) gid=\(gid)\(group)"
    }

    /// The name of `uid` (getpwuid_r: plain getpwuid shares one buffer between threads).
    static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { b -> String? in
            guard let base = b.baseAddress, getpwuid_r(uid, &entry, base, b.count, &result) == 0, result != nil,
                let name = entry.pw_name
            else { return nil }
            return String(cString: name)
        }
    }

    /// The name of group `gid` (getgrgid_r, for the same reason).
    static func groupName(_ gid: UInt32) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 4096)
        return buffer.withUnsafeMutableBufferPointer { b -> String? in
            guard let base = b.baseAddress, getgrgid_r(gid, &entry, base, b.count, &result) == 0, result != nil,
                let name = entry.gr_name
            else { return nil }
            return String(cString: name)
        }
    }
}
