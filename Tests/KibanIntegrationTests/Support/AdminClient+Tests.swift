import Foundation
import KibanAdminAPI

/// The fault tests' requests: JSON bodies from dictionaries, outcomes as JSON. The requests go
/// out the way an operator's script would send them, one connection each, with a deadline;
/// blocking, so call them from a thread of their own, not from a Swift concurrency task.
extension AdminClient {
    /// ``exchange(_:_:body:)`` with `json` as the body.
    func exchange(_ method: String, _ path: String, json: [String: Any]?) -> Outcome {
        exchange(method, path, body: json.flatMap { try? JSONSerialization.data(withJSONObject: $0) } ?? Data())
    }

    /// ``exchange(_:_:body:)`` with `body` sent as it is (JSON text that `JSONSerialization`
    /// would not write, such as numbers past every integer type).
    func exchange(_ method: String, _ path: String, body: Data) -> Outcome {
        exchange(method, path, body: Array(body))
    }
}

extension AdminClient.Outcome {
    /// The JSON of a 200 answer, or nil.
    var json: Any? {
        guard case .answered(200, let body) = self else { return nil }
        return try? JSONSerialization.jsonObject(with: body)
    }
}
