import Foundation
import KibanInventory
import KibanNetboot
import KibanStore
import Testing

@testable import KibanCA
@testable import KibanServer

@Suite("One mapping from every module's errors to the admin API's answers")
struct ErrorMappingTests {
    @Test("Each module's error gets the status its code means, its message unchanged")
    func statuses() {
        let cases: [(any Error, ServerError.Code, Int)] = [
            (StoreError(.noLeader, "no leader"), .unavailable, 503),
            (StoreError(.compacted, "compacted"), .conflict, 409),
            (StoreError(.corrupt, "corrupt"), .internal, 500),
            (InventoryError(.ipamLocked, "locked"), .conflict, 409),
            (InventoryError(.invalidIPAM, "bad"), .badRequest, 400),
            (InventoryError(.unsupportedSchema, "newer"), .config, 500),
            (CAError(.wrongSecret, "wrong"), .forbidden, 403),
            (CAError(.invalidKey, "no key"), .unavailable, 503),
            (NetbootError(.notFound, "no image"), .notFound, 404),
            (NetbootError(.invalidTemplate, "bad template"), .badRequest, 400),
            (NetbootError(.unreadable, "unreadable"), .internal, 500),
            (ServerError(.insufficientStorage, "full"), .insufficientStorage, 507),
        ]
        for (error, code, status) in cases {
            let mapped = ServerError(answering: error)
            #expect(mapped.code == code, "\(error)")
            #expect(mapped.httpStatus == status, "\(error)")
            // The module's message, which the store's unavailability extends with what to do.
            #expect(mapped.message.hasPrefix(Self.message(of: error)), "\(error)")
        }
    }

    static func message(of error: any Error) -> String {
        (error as? StoreError)?.message ?? "\(error)"
    }

    @Test("An error of no known kind is internal; the answer body is the code and message as JSON")
    func unknownAndBody() throws {
        struct Odd: Error {}
        let mapped = ServerError(answering: Odd())
        #expect(mapped.code == .internal)
        let (status, body) = ServerError(.notFound, "there is no asset a").answer
        #expect(status == 404)
        let json = try JSONDecoder().decode([String: String].self, from: Data(body))
        #expect(json == ["error": "notFound", "message": "there is no asset a"])
    }
}
