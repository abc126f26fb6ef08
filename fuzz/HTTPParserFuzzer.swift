// libFuzzer entry point for the HTTP request parser (`make fuzz`). Built by
// scripts/fuzz-http.sh with `swiftc -sanitize=fuzzer,address` from the parser's own source files,
// which import nothing, so no package build is involved.

/// Parses the input with small limits, so that the limit paths are reached often, and checks
/// the promises the fuzz test checks; a broken promise traps, which libFuzzer reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var limits = HTTPRequestParser.Limits()
    limits.requestLineBytesMax = 256
    limits.headBytesMax = 1024
    limits.headerFieldsMax = 16
    let parser = HTTPRequestParser(limits: limits)
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let result = parser.parse(bytes)
    if case .request(let head, let consumed) = result {
        precondition(consumed > 0 && consumed <= bytes.count, "consumed \(consumed) of \(bytes.count)")
        precondition(head.path.hasPrefix("/") && !head.pathSegments.contains(".."), "unsafe path \(head.path)")
        precondition(parser.parse(Array(bytes[..<consumed])) == result, "not stable on its own head")
    }
    if case .incomplete = result { precondition(bytes.count <= limits.headBytesMax, "incomplete past the limit") }
    return 0
}
