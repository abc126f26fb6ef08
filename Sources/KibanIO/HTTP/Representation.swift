/// What a route answered with, before conditional requests and ranges are applied.
struct Representation {
    enum Body {
        case bytes([UInt8])
        case file(StaticFile)
    }

    var status: HTTPStatus
    var contentType: String
    var body: Body
    var etag: String?
    var headers: [HTTPHeaderField] = []
    /// Set when the body came from the file cache, whose ready-made responses then answer
    /// plain requests without serialising anything.
    var cached: FileCache.Entry?

    var size: Int64 {
        switch body {
        case .bytes(let bytes): Int64(bytes.count)
        case .file(let file): file.size
        }
    }

    /// Closes the file, if any, when its bytes will not be sent.
    func release() {
        if case .file(let file) = body { closeQuietly(file.fd) }
    }

    init(status: HTTPStatus, contentType: String, body: Body, etag: String?, headers: [HTTPHeaderField] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.etag = etag
        self.headers = headers
    }

    init(_ response: HTTPResponse) {
        if let path = response.filePath {
            let opened = response.fileDirectory.map { StaticFile.open(beneath: $0, name: path) } ?? StaticFile.open(path: path)
            guard let file = opened else {
                self.init(error: .notFound)
                return
            }
            self.init(
                status: response.status, contentType: response.contentType, body: .file(file),
                etag: response.etag ?? file.etag, headers: response.headers)
            return
        }
        self.init(
            status: response.status, contentType: response.contentType, body: .bytes(response.body),
            etag: response.etag, headers: response.headers)
    }

    init(error status: HTTPStatus) {
        self.init(HTTPResponse.error(status))
    }

    init(cached entry: FileCache.Entry) {
        self.init(status: .ok, contentType: entry.contentType, body: .bytes(entry.body), etag: entry.etag)
        cached = entry
    }
}

/// The decision for one request: status, headers, and which bytes of the representation to send.
struct ResponsePlan {
    var representation: Representation
    var status: HTTPStatus
    var range: Range<Int64>
    var extraHeaders: [HTTPHeaderField] = []
    var sendBody: Bool

    /// Applies `If-None-Match` (→ 304), then `Range` (→ 206 or 416) to a 200 representation.
    init(_ representation: Representation, for head: HTTPRequestHead?) {
        self.representation = representation
        status = representation.status
        let size = representation.size
        range = 0..<size
        sendBody = !(head?.isHead ?? false)
        guard status == .ok else { return }
        extraHeaders.append(HTTPHeaderField(name: "Accept-Ranges", value: "bytes"))
        guard let head else { return }
        if let etag = representation.etag, let condition = head.value("if-none-match"),
            EntityTag.noneMatch(condition, etag: etag)
        {
            status = .notModified
            sendBody = false
            return
        }
        guard let value = head.value("range"), let byteRange = ByteRange(value),
            head.value("if-range").map({ $0 == representation.etag }) ?? true
        else { return }
        guard let resolved = byteRange.resolve(size: size) else {
            status = .rangeNotSatisfiable
            self.representation = Representation(error: .rangeNotSatisfiable)
            range = 0..<self.representation.size
            extraHeaders.append(HTTPHeaderField(name: "Content-Range", value: "bytes */\(size)"))
            representation.release()
            return
        }
        status = .partialContent
        range = resolved
        extraHeaders.append(
            HTTPHeaderField(
                name: "Content-Range", value: "bytes \(resolved.lowerBound)-\(resolved.upperBound - 1)/\(size)"))
    }
}
