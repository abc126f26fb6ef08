import Foundation
import Testing

@testable import KibanInventory

@Suite("RFC 3339 fast path")
struct RFC3339Tests {
    @Test(
        "The integer fast path agrees with Foundation on dates across centuries and leap days",
        arguments: [-2_208_988_800.0, -1, 0, 951_782_400, 951_868_799, 1_800_000_000, 4_107_542_399, 253_402_300_799])
    func agreesWithFoundation(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let text = date.formatted(Date.ISO8601FormatStyle())
        #expect(RFC3339.formatUTC(date) == text)
        #expect(RFC3339.parseUTC(text) == date)
    }

    @Test("Other forms fall through to Foundation", arguments: ["2026-11-26T19:40:00.5Z", "2026-11-26T19:40:00+09:00", "2026-13-01T00:00:00Z", "x"])
    func otherForms(text: String) {
        #expect(RFC3339.parseUTC(text) == nil)
    }
}
