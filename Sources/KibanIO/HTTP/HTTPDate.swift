import CUring
import Glibc
import Synchronization

/// The `Date` header line (RFC 9110 §6.6.1), formatted once per second per ring.
final class HTTPDate: Sendable {
    private let cached = Mutex<(second: Int, line: [UInt8])>((-1, []))

    /// `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` for the current second.
    func line() -> [UInt8] {
        let now = time(nil)
        return cached.withLock { cached in
            if cached.second != now {
                cached = (now, Array("Date: \(Self.format(now))\r\n".utf8))
            }
            return cached.line
        }
    }

    /// IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday) % 7]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon) % 12]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
