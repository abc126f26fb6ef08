import Foundation
import KibanCA
import KibanStore
import Logging

extension Daemon {
    /// Starts HTTP boot and TFTP for this member. A port that cannot be bound is logged, not
    /// fatal: the member still serves the store, and the log says what to change. When only TFTP
    /// fails (port 69 needs root or CAP_NET_BIND_SERVICE), HTTP boot still runs.
    func startBoot(_ store: Store, logger: Logger) -> BootService? {
        let ports: Logger.Metadata = ["kiban.boot.http_port": "\(config.httpPort)", "kiban.boot.tftp_port": "\(config.tftpPort)"]
        do {
            return try BootService.start(store: store, config: config, tftp: true, logger: logger, crls: crlSource(store))
        } catch {
            logger.error(
                "cannot serve TFTP and HTTP boot on these ports; trying HTTP boot alone. Free the ports or set http-port and tftp-port in kiban.yaml, then restart",
                metadata: ports.merging(["kiban.boot.error": "\(error)"]) { $1 })
        }
        do {
            return try BootService.start(store: store, config: config, tftp: false, logger: logger, crls: crlSource(store))
        } catch {
            logger.error(
                "cannot serve HTTP boot; this member does not netboot machines. Free the port or set http-port in kiban.yaml, then restart",
                metadata: ports.merging(["kiban.boot.error": "\(error)"]) { $1 })
            return nil
        }
    }

    /// What builds the CRLs served on the boot port (`/ca/<issuer>.crl`), or nil when this
    /// member has no key-encryption key to open issuer keys with.
    func crlSource(_ store: Store) -> (@Sendable () async -> [String: [UInt8]]?)? {
        guard let kek else { return nil }
        let pki = PKIService(store: store, kek: kek, now: { Date() })
        return { try? await pki.currentCRLs() }
    }
}
