public import KibanRaft

/// The peer wire format of Raft messages, version 1.
///
/// A message is `version (u8)` then its fields, big-endian: kind (u8), from, to, term, logTerm,
/// logIndex, commit, index, rejectHint (u64 each), flags (u8: 1 reject, 2 snapshot follows),
/// context (u32 length + bytes), entries (u32 count, each: term, index (u64), kind (u8), data
/// (u32 length + bytes)), then the snapshot if flagged: index, term (u64), voters, learners
/// (u32 count + u64 ids), data (u32 length + bytes).
///
/// **Compatibility rule:** a later version only appends fields; a reader ignores bytes after
/// the fields it knows, and peers send the lowest version both speak (agreed when they
/// connect), so a cluster runs mixed versions during a rolling upgrade.
public enum RaftMessageCodec {
    /// The newest version this build writes and reads.
    public static let version: UInt8 = 1

    /// Encodes a message in `version` (this build's by default).
    public static func encode(_ m: Message, version: UInt8 = version) -> [UInt8] {
        precondition(version >= 1 && version <= Self.version, "cannot write wire version \(version)")
        var w = WireWriter()
        w.u8(version)
        w.u8(m.kind.rawValue)
        for v in [m.from, m.to, m.term, m.logTerm, m.logIndex, m.commit, m.index, m.rejectHint] { w.u64(v) }
        w.u8((m.reject ? 1 : 0) | (m.snapshot != nil ? 2 : 0))
        w.blob(m.context)
        w.u32(UInt32(m.entries.count))
        for e in m.entries {
            w.u64(e.term)
            w.u64(e.index)
            w.u8(e.kind.rawValue)
            w.blob(e.data)
        }
        if let s = m.snapshot {
            w.u64(s.metadata.index)
            w.u64(s.metadata.term)
            w.ids(s.metadata.confState.voters)
            w.ids(s.metadata.confState.learners)
            w.blob(s.data)
        }
        return w.bytes
    }

    /// Decodes a message of any version up to this build's.
    /// - Throws: ``WireError`` for truncated, oversized, unknown-kind or too-new input.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Message {
        var r = WireReader(bytes)
        let v = try r.u8()
        guard v >= 1 && v <= version else {
            throw WireError("wire version \(v) is not supported (this server speaks 1...\(version)); upgrade it")
        }
        let rawKind = try r.u8()
        guard let kind = MessageKind(rawValue: rawKind) else { throw WireError("unknown message kind \(rawKind)") }
        let (from, to, term) = (try r.u64(), try r.u64(), try r.u64())
        var m = Message(kind: kind, from: from, to: to, term: term)
        m.logTerm = try r.u64()
        m.logIndex = try r.u64()
        m.commit = try r.u64()
        m.index = try r.u64()
        m.rejectHint = try r.u64()
        let flags = try r.u8()
        m.reject = flags & 1 != 0
        m.context = try r.blob()
        for _ in 0..<(try r.count(minSize: 21)) {
            let (t, i, k) = (try r.u64(), try r.u64(), try r.u8())
            guard let entryKind = EntryKind(rawValue: k) else { throw WireError("unknown entry kind \(k)") }
            m.entries.append(Entry(term: t, index: i, kind: entryKind, data: try r.blob()))
        }
        if flags & 2 != 0 {
            let (index, sterm) = (try r.u64(), try r.u64())
            let voters = try r.ids()
            let learners = try r.ids()
            guard voters.isDisjoint(with: learners) else { throw WireError("a snapshot lists a member as voter and learner") }
            let conf = ConfState(voters: voters, learners: learners)
            m.snapshot = Snapshot(metadata: SnapshotMetadata(index: index, term: sterm, confState: conf), data: try r.blob())
        }
        // Fields a later version appended are ignored (see the compatibility rule).
        return m
    }
}
