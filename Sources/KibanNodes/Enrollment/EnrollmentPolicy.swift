public import Foundation
public import KibanInventory

/// Whether a machine may enroll (receive a node certificate) now, as a pure function of what
/// the store holds. Enrollment is refused, with a reason for the audit log and the agent, when
/// the serial is not in the inventory, the machine is retired or being retired, or it already
/// holds a node certificate that is still valid (a second enrollment would leave two identities
/// for one machine; revoke the first, or let the agent renew it).
public enum EnrollmentPolicy {
    /// A node certificate the store records for a machine.
    public struct Issued: Sendable, Hashable, Codable {
        /// The certificate's serial number (hex).
        public var certificateSerial: String
        /// Its expiry.
        public var notAfter: Date
        /// Whether it was revoked.
        public var revoked: Bool

        /// Creates a record.
        public init(certificateSerial: String, notAfter: Date, revoked: Bool = false) {
            self.certificateSerial = certificateSerial
            self.notAfter = notAfter
            self.revoked = revoked
        }
    }

    /// Why `serial` may not enroll now, or nil when it may.
    public static func refusal(serial: String, machine: Machine?, issued: Issued?, now: Date) -> String? {
        guard let machine else { return "machine \(serial) is not in the inventory: register it first (kiban machines import)" }
        switch machine.state {
        case .retired, .retiring:
            return "machine \(serial) is \(machine.state): a machine being retired does not enroll"
        default: break
        }
        if let issued, !issued.revoked, issued.notAfter > now {
            return
                "machine \(serial) already holds node certificate \(issued.certificateSerial), valid until \(issued.notAfter.formatted(.iso8601)): revoke it first (kiban nodes revoke \(serial))"
        }
        return nil
    }
}
