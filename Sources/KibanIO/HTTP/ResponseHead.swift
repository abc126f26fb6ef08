/// The status line and header fields of a response.
enum ResponseHead {
    /// `HTTP/1.1 <status>` and the fields; `Content-Length` is always sent (for `HEAD` and `304`
    /// it is the length a `GET` would have had, as RFC 9110 §8.6 allows).
    /// `date` is the `Date` line, placed right after the status line; without it the head can be
    /// kept and the line spliced in when sent (`FileCache`).
    static func serialize(_ plan: ResponsePlan, keepAlive: Bool, date: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: statusLine(plan.status))
        if let date { out.append(contentsOf: date) }
        out.append(contentsOf: "Server: kiban\r\nContent-Length: \(plan.range.count)\r\n".utf8)
        if plan.status != .notModified {
            field("Content-Type", plan.representation.contentType, &out)
        }
        if let etag = plan.representation.etag { field("ETag", etag, &out) }
        for header in plan.extraHeaders { field(header.name, header.value, &out) }
        for header in plan.representation.headers { field(header.name, header.value, &out) }
        if plan.status == .methodNotAllowed { field("Allow", "GET, HEAD", &out) }
        if !keepAlive { field("Connection", "close", &out) }
        out.append(contentsOf: "\r\n".utf8)
        return out
    }

    /// `HTTP/1.1 200 OK\r\n`.
    static func statusLine(_ status: HTTPStatus) -> [UInt8] {
        Array("HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8)
    }

    private static func field(_ name: String, _ value: String, _ out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: ": ".utf8)
        // A value from a route never splits the head: CR and LF are dropped.
        out.append(contentsOf: value.utf8.filter { $0 != 0x0D && $0 != 0x0A })
        out.append(contentsOf: "\r\n".utf8)
    }
}
