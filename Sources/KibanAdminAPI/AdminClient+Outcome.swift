public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension AdminClient {
    /// How a request ended, for callers that must tell "nothing happened" from "may have
    /// happened" (the fault tests' histories, scripts that retry).
    public enum Outcome: Sendable {
        /// The daemon answered with this status and JSON body.
        case answered(status: Int, body: Data)
        /// Nothing reached the daemon (no socket, connection refused): the request had no effect.
        case refused(String)
        /// The request was sent but no full answer came back (timeout, connection lost): it may
        /// or may not have taken effect.
        case lost(String)
    }

    /// Sends one request and says how it ended; never throws.
    public func exchange(_ method: String, _ path: String, body: [UInt8] = []) -> Outcome {
        let fd: Int32
        do { fd = try openConnection() } catch { return .refused("\(error)") }
        defer { close(fd) }
        do {
            try writeAll(fd, Self.request(method, path, body: body))
            let (status, answer) = try readResponse(fd)
            return .answered(status: status, body: Data(answer))
        } catch {
            return .lost("\(error)")
        }
    }

    /// Refuses an error answer with the daemon's message (which says what to do next).
    /// - Throws: ``Failure`` unless `status` is 200.
    public static func check(status: Int, _ json: [UInt8]) throws {
        guard status == 200 else {
            let error = try? JSONDecoder().decode([String: String].self, from: Data(json))
            throw Failure(description: error?["message"] ?? "the daemon answered HTTP \(status)")
        }
    }
}
