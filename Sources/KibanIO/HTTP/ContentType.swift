/// `Content-Type` by file extension, for the files a boot server hands out.
public enum ContentType {
    /// The media type of `path` by its extension; `application/octet-stream` when unknown.
    public static func forPath(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return octetStream }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? octetStream
    }

    /// The type of bytes with no known type.
    public static let octetStream = "application/octet-stream"

    static let byExtension: [String: String] = [
        "ipxe": "text/plain; charset=utf-8", "txt": "text/plain; charset=utf-8",
        "cfg": "text/plain; charset=utf-8", "conf": "text/plain; charset=utf-8",
        "sh": "text/x-shellscript", "html": "text/html; charset=utf-8", "css": "text/css",
        "js": "text/javascript", "json": "application/json", "ign": "application/json",
        "yaml": "application/yaml", "yml": "application/yaml", "xml": "application/xml",
        "iso": "application/x-iso9660-image", "img": "application/octet-stream",
        "efi": "application/efi", "gz": "application/gzip", "xz": "application/x-xz",
        "zst": "application/zstd", "tar": "application/x-tar", "cpio": "application/x-cpio",
        "sig": "application/pgp-signature", "asc": "application/pgp-signature",
        "pem": "application/x-pem-file", "crt": "application/x-x509-ca-cert",
        "png": "image/png", "svg": "image/svg+xml",
    ]
}
