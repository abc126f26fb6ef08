import Foundation
import KibanAdminAPI
import KibanNetboot
import NIOHTTP1

/// Images and assets (docs/admin-api.md). Uploads stream through ``AdminUpload``; the rest is
/// JSON like every other route.
extension AdminRouter {
    /// `GET /v1/images`, `DELETE /v1/images/ID`, `GET|PUT /v1/image-settings`,
    /// `GET /v1/assets[/NAME]`, `DELETE /v1/assets/NAME`.
    func catalog(_ r: AdminRequest) async throws -> [UInt8] {
        let s = r.segments
        switch (r.method, s[1], s.count == 3 ? s[2] : nil) {
        case (.GET, "images", nil): return Self.encode(try await daemon.images())
        case (.DELETE, "images", let id?):
            try await daemon.deleteImage(id: id, caller: r.caller)
            return Self.encode(["deleted": id])
        case (.GET, "image-settings", nil): return Self.encode(ImageSettingsView(kept: try await daemon.imageSettings().kept))
        case (.PUT, "image-settings", nil):
            let body = try r.decode(ImageSettingsView.self)
            return Self.encode(ImageSettingsView(kept: try await daemon.setImageSettings(ImageSettings(kept: body.kept), caller: r.caller).kept))
        case (.GET, "assets", nil): return Self.encode(try await daemon.assets())
        case (.GET, "assets", let name?): return Self.encode(try await daemon.asset(name: name))
        case (.DELETE, "assets", let name?):
            try await daemon.deleteAsset(name: name, caller: r.caller)
            return Self.encode(["deleted": name])
        case (.PUT, "images", _?), (.PUT, "assets", _?):
            throw ServerError(.badRequest, "an upload needs its sizes in the query and the bytes as the body; see docs/admin-api.md")
        default:
            throw ServerError(.notFound, "no admin endpoint \(r.method) \(r.path); see docs/admin-api.md")
        }
    }

    /// The upload a request head starts, after the daemon's checks; nil for other requests.
    /// - Throws: ``ServerError`` when the upload is refused before its bytes are read.
    func beginUpload(_ head: HTTPRequestHead) async throws(ServerError) -> AdminUpload? {
        let components = URLComponents(string: head.uri)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        guard
            let parsed = try AdminUpload.parse(
                method: head.method.rawValue, path: components?.path ?? head.uri,
                query: query, contentLength: head.headers.first(name: "Content-Length"))
        else {
            return nil
        }
        let (target, sizes) = parsed
        switch target {
        case .image(let id, let force): try await daemon.checkImageUpload(id: id, force: force)
        case .asset(let name, let contentType): try await daemon.checkAssetUpload(name: name, contentType: contentType)
        }
        return try AdminUpload(target: target, sizes: sizes, blobs: daemon.blobDirectory)
    }

    /// Completes an upload whose body has arrived: blobs into place, the record into the store.
    func finishUpload(_ upload: AdminUpload, caller: Caller) async -> (Int, [UInt8]) {
        let blobs: [BlobReference]
        do {
            blobs = try await Offload.run { try upload.finish() }
        } catch {
            return Self.failure(error as? ServerError ?? ServerError(.internal, "\(error)"))
        }
        do {
            switch upload.target {
            case .image(let id, let force):
                return (200, Self.encode(try await daemon.commitImage(id: id, kernel: blobs[0], initrd: blobs[1], force: force, caller: caller)))
            case .asset(let name, let contentType):
                return (200, Self.encode(try await daemon.commitAsset(name: name, blob: blobs[0], contentType: contentType, caller: caller)))
            }
        } catch {
            return Self.failure(error)
        }
    }

    /// The status and body of a failed request.
    static func failure(_ error: ServerError) -> (Int, [UInt8]) {
        error.answer
    }
}
