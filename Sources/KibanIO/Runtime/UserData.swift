/// What a submission was for; stored in the top byte of its user data.
enum OpKind: UInt8 {
    case accept = 1, recv, send, fileRead, fileSend, timer, mailbox, udpRecv, udpSend, cancel
}

/// The 64-bit user data of a submission: the operation, a slot (connection or socket index) and
/// the slot's generation, so a completion for a connection that was closed and whose slot was
/// reused is recognised and dropped.
struct UserData: Equatable {
    var kind: OpKind
    var slot: UInt32
    var generation: UInt32

    init(_ kind: OpKind, slot: UInt32 = 0, generation: UInt32 = 0) {
        self.kind = kind
        self.slot = slot
        self.generation = generation & 0xFF_FFFF
    }

    init?(raw: UInt64) {
        guard let kind = OpKind(rawValue: UInt8(truncatingIfNeeded: raw >> 56)) else { return nil }
        self.kind = kind
        generation = UInt32(truncatingIfNeeded: (raw >> 32) & 0xFF_FFFF)
        slot = UInt32(truncatingIfNeeded: raw)
    }

    var raw: UInt64 {
        UInt64(kind.rawValue) << 56 | UInt64(generation) << 32 | UInt64(slot)
    }
}
