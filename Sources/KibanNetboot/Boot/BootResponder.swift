import Foundation
public import KibanIO

/// Answers the HTTP boot paths under `/boot` from a ``BootSnapshot`` (docs/netboot.md):
///
/// | path | answer |
/// | --- | --- |
/// | `/boot/ipxe` | the entry script |
/// | `/boot/ipxe.efi`, `/boot/ipxe-arm64.efi`, `/boot/undionly.kpxe`, `/boot/snponly.efi` | iPXE binaries |
/// | `/boot/machines/<serial>/ipxe` | the machine's boot script |
/// | `/boot/machines/<serial>/config` | its rendered configuration |
/// | `/boot/images/<id>/kernel`, `…/initrd` | the image's files |
/// | `/boot/assets/<name>` | an asset |
///
/// Blobs this member lacks are redirected (`302`) to a member whose presence record says it has
/// them, or answered `503` with `Retry-After` while none has.
public struct BootResponder: Sendable {
    /// iPXE binaries served over HTTP and TFTP, by the name clients ask for.
    public static let ipxeBinaries = ["ipxe.efi", "ipxe-arm64.efi", "undionly.kpxe", "snponly.efi"]

    /// This member's name (presence records naming it are not redirect targets).
    public var memberName: String
    /// This member's blob directory.
    public var blobs: BlobDirectory
    /// Where the iPXE binaries are (Debian's `ipxe` package: `/usr/lib/ipxe`).
    public let ipxeDirectory: String
    /// Each binary's path with symbolic links resolved (Debian links `/usr/lib/ipxe/ipxe.efi` to
    /// `/boot/ipxe.efi`; files are served without following links).
    let ipxePaths: [String: String]
    /// The base URL used when a request has no `Host` field (HTTP/1.0).
    public var defaultBaseURL: String
    /// Seconds a client waits before asking again for a blob no member has yet.
    public var retryAfterSeconds = 5

    public init(memberName: String, blobs: BlobDirectory, ipxeDirectory: String, defaultBaseURL: String) {
        self.memberName = memberName
        self.blobs = blobs
        self.ipxeDirectory = ipxeDirectory
        ipxePaths = Dictionary(
            uniqueKeysWithValues: Self.ipxeBinaries.map {
                ($0, URL(fileURLWithPath: ipxeDirectory + "/" + $0).resolvingSymlinksInPath().path)
            })
        self.defaultBaseURL = defaultBaseURL
    }

    static let ipxeType = "text/plain; charset=utf-8"

    /// The answer to `head` (a path under `/boot`).
    public func respond(_ head: HTTPRequestHead, snapshot: BootSnapshot) -> HTTPResponse {
        let s = head.pathSegments
        let base = baseURL(head)
        switch (s.count, s.dropFirst().first) {
        case (2, "ipxe"?):
            return .text(IPXEScript.entry(baseURL: base), contentType: Self.ipxeType)
        case (2, let name?) where Self.ipxeBinaries.contains(name):
            return .file(ipxePaths[name] ?? ipxeDirectory + "/" + name)
        case (3, "machines"?) where s[2] == "ipxe":
            return .text(IPXEScript.refuse("this machine has no SMBIOS serial number - register it by serial"), contentType: Self.ipxeType)
        case (4, "machines"?) where s[3] == "ipxe":
            return .text(machineScript(serial: s[2], snapshot: snapshot, baseURL: base), contentType: Self.ipxeType)
        case (4, "machines"?) where s[3] == "config":
            return config(serial: s[2], snapshot: snapshot, baseURL: base)
        case (4, "images"?) where s[3] == "kernel" || s[3] == "initrd":
            guard let image = snapshot.image(s[2]) else { return .error(.notFound) }
            return blob(
                s[3] == "kernel" ? image.kernel : image.initrd, contentType: ContentType.octetStream,
                path: head.path, snapshot: snapshot)
        case (3, "assets"?):
            guard let asset = snapshot.assets[s[2]] else { return .error(.notFound) }
            return blob(asset.blob, contentType: asset.contentType, path: head.path, snapshot: snapshot)
        default:
            return .error(.notFound)
        }
    }

    /// The boot script for `serial`, or one that says why it will not boot.
    func machineScript(serial: String, snapshot: BootSnapshot, baseURL: String) -> String {
        guard let machine = snapshot.machines[serial] else {
            return IPXEScript.refuse("serial \(serial) is not registered - register it with kiban machines import")
        }
        guard machine.mayBoot else {
            return IPXEScript.refuse("machine \(serial) is retired and does not boot")
        }
        switch snapshot.image(forRole: machine.role) {
        case .noImage:
            return IPXEScript.refuse("no boot image is uploaded - kiban images upload ID --kernel F --initrd F")
        case .missingAssigned(let id):
            return IPXEScript.refuse("role \(machine.role) is assigned image \(id), which does not exist - kiban images assign \(machine.role) ID")
        case .boot(let image):
            let params = RoleImageChoice.kernelParams(
                image: image.id, role: machine.role,
                imageParams: snapshot.imageKernelParams, roleParams: snapshot.kernelParams)
            return IPXEScript.boot(
                machine: machine, image: image, kernelParams: params, baseURL: baseURL, enrollmentParams: snapshot.enrollmentParams)
        }
    }

    /// The role's newest template rendered for `serial`.
    func config(serial: String, snapshot: BootSnapshot, baseURL: String) -> HTTPResponse {
        guard let machine = snapshot.machines[serial] else {
            return .text("serial \(serial) is not registered\n", status: .notFound)
        }
        guard let template = snapshot.templates[machine.role] else {
            return .text("role \(machine.role) has no template: kiban templates set \(machine.role) VERSION FILE\n", status: .notFound)
        }
        let context = TemplateContext(
            machine: machine, baseURL: baseURL, caCertificatePEM: snapshot.caCertificatePEM,
            assets: Array(snapshot.assets.keys))
        var response = HTTPResponse.text(template.template.render(context))
        response.headers.append(HTTPHeaderField(name: "X-Kiban-Template-Version", value: template.version))
        response.headers.append(HTTPHeaderField(name: "Cache-Control", value: "no-store"))
        return response
    }

    /// The local copy of `blob`, or a redirect to a member that has it. A hash that is not 64
    /// lowercase hex digits names no blob (records with one do not decode; this is the second
    /// line), and the file is opened below the blob directory's descriptor (the third).
    func blob(_ blob: BlobReference, contentType: String, path: String, snapshot: BootSnapshot) -> HTTPResponse {
        guard BlobReference.isSHA256(blob.sha256) else { return .error(.notFound) }
        if blobs.localPath(blob) != nil {
            // Content-addressed: the hash is the strongest possible entity tag.
            var response = HTTPResponse.file(named: blob.sha256, beneath: blobs.completeRoot, contentType: contentType)
            response.etag = "\"\(blob.sha256)\""
            return response
        }
        let holders = (snapshot.presence[blob.sha256] ?? []).filter { $0.member != memberName }
        // The blob's hash picks the holder: every client of one blob goes to the same member.
        guard !holders.isEmpty else {
            var response = HTTPResponse.text("no boot server has \(blob.sha256) yet; retry\n", status: .serviceUnavailable)
            response.headers.append(HTTPHeaderField(name: "Retry-After", value: "\(retryAfterSeconds)"))
            return response
        }
        let holder = holders.sorted { $0.member < $1.member }[Int(blob.sha256.utf8.first ?? 0) % holders.count]
        var response = HTTPResponse.text("\(blob.sha256) is served by \(holder.member)\n", status: .found)
        response.headers.append(HTTPHeaderField(name: "Location", value: holder.http + path))
        return response
    }

    /// `http://<Host>`, so that every URL in a script points at the member that served it.
    func baseURL(_ head: HTTPRequestHead) -> String {
        guard let host = head.value("host"), !host.isEmpty,
            host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") })
        else { return defaultBaseURL }
        return "http://" + host
    }
}
