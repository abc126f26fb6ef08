/// The HTTP/1.1 protocol on one connection: parses request heads as they arrive and queues the
/// responses in request order (pipelining), on the ring thread.
final class HTTPConnection: StreamHandler {
    let server: HTTPServer
    let stats: RingStats
    let cache: FileCache
    /// Where to resume looking for the end of the head, so a slowly arriving head is not rescanned.
    private var scanFrom = 0

    init(server: HTTPServer, stats: RingStats, cache: FileCache) {
        self.server = server
        self.stats = stats
        self.cache = cache
        stats.connectionOpened()
    }

    func consume(_ input: UnsafeRawBufferPointer, output: inout StreamOutput) -> StreamVerdict {
        let limits = server.parser.limits
        if HTTPRequestParser.headEnd(in: input, from: scanFrom) == nil,
            input.count <= min(limits.requestLineBytesMax, limits.headBytesMax)
        {
            scanFrom = max(0, input.count - 3)
            return StreamVerdict(consumed: 0, close: false)
        }
        scanFrom = 0
        switch server.parser.parse(input) {
        case .incomplete:
            return StreamVerdict(consumed: 0, close: false)
        case .invalid(let status):
            queue(ResponsePlan(Representation(error: status), for: nil), head: nil, keepAlive: false, into: &output)
            return StreamVerdict(consumed: input.count, close: true)
        case .request(let head, let consumed):
            let keepAlive = head.keepAlive
            let plan = ResponsePlan(server.representation(for: head, cache: cache), for: head)
            if let cached = plan.representation.cached, plan.status == .ok, keepAlive {
                let date = stats.date.line()
                let rest = head.isHead ? cached.headResponse : cached.getResponse
                output.append(.bytes(FileCache.okStatusLine))
                output.append(.bytes(date))
                output.append(.bytes(rest))
                let sent = FileCache.okStatusLine.count + date.count + rest.count
                stats.record(status: .ok, bytes: Int64(sent), head: head)
                return StreamVerdict(consumed: consumed, close: false)
            }
            let complete = queue(plan, head: head, keepAlive: keepAlive, into: &output)
            return StreamVerdict(consumed: consumed, close: !keepAlive || !complete)
        }
    }

    func headerTimedOut(output: inout StreamOutput) {
        queue(
            ResponsePlan(Representation(error: .requestTimeout), for: nil), head: nil, keepAlive: false,
            into: &output)
    }

    func closed() {
        stats.connectionClosed()
    }

    /// Serialises a response: the head, then the body from memory, from a small file read now,
    /// or as a file segment that the runtime streams.
    /// Returns false when a small file could not be read in full: the response then is a 500
    /// and the connection must close.
    @discardableResult
    private func queue(
        _ plan: ResponsePlan, head: HTTPRequestHead?, keepAlive: Bool,
        into output: inout StreamOutput
    ) -> Bool {
        var bytes = ResponseHead.serialize(plan, keepAlive: keepAlive, date: stats.date.line())
        let headBytes = bytes.count
        var file: StaticFile?
        if plan.sendBody, !plan.range.isEmpty {
            switch plan.representation.body {
            case .bytes(let body):
                bytes.append(contentsOf: body[Int(plan.range.lowerBound)..<Int(plan.range.upperBound)])
            case .file(let opened):
                if plan.range.count <= server.smallFileBytes {
                    if !opened.read(plan.range, appendingTo: &bytes) {
                        plan.representation.release()
                        queue(
                            ResponsePlan(Representation(error: .internalServerError), for: nil),
                            head: head, keepAlive: false, into: &output)
                        return false
                    }
                } else {
                    file = opened
                }
            }
        }
        output.append(.bytes(bytes))
        if let file {
            output.append(.file(fd: file.fd, offset: plan.range.lowerBound, length: Int64(plan.range.count)))
        } else {
            plan.representation.release()
        }
        let sent = Int64(headBytes) + (plan.sendBody ? Int64(plan.range.count) : 0)
        stats.record(status: plan.status, bytes: sent, head: head)
        return true
    }
}
