import Foundation
import KibanNetboot
import Testing

@testable import KibanServer

@Suite("Local configuration (kiban.yaml)")
struct ServerConfigTests {
    @Test("A file's settings replace the defaults and the rest keep theirs")
    func fileOverDefaults() throws {
        let path = try Self.write("name: boot-2\nadvertise-address: 10.0.0.12\npeer-port: 10091\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServerConfig.load(path: path, required: true)
        #expect(config.name == "boot-2")
        #expect(config.peerEndpoint == "10.0.0.12:10091")
        #expect(config.dataDir == "/var/lib/kiban")
        #expect(config.socketPath == "/run/kiban/kiban.sock")
        #expect(config.advertiseIPv4 == [10, 0, 0, 12])
    }

    @Test("The metrics port and address default to 10081 on every address, and the file sets them")
    func metricsPort() throws {
        #expect(ServerConfig().metricsPort == 10081 && ServerConfig().metricsAddress == "0.0.0.0")
        let path = try Self.write("metrics-port: 9100\nmetrics-address: 127.0.0.1\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServerConfig.load(path: path, required: true)
        #expect(config.metricsPort == 9100 && config.metricsAddress == "127.0.0.1")
    }

    @Test(
        "An unknown setting or a bad port is refused with the file's name",
        arguments: ["nmae: x\n", "peer-port: 70000\n", "metrics-port: 0\n"])
    func refused(text: String) throws {
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ServerError.self) { try ServerConfig.load(path: path, required: true) }
        do { _ = try ServerConfig.load(path: path, required: true) } catch { #expect(error.message.contains(path)) }
    }

    @Test(
        "Blob limits read sizes with binary units and shares of the disk",
        arguments: [
            ("blob-quota: 50GiB\nblob-free-space-floor: 10%\n", UInt64?.some(50 << 30), BlobSpaceLimits.Floor.percent(10)),
            ("blob-quota: 4096\nblob-free-space-floor: 512MiB\n", 4096, .bytes(512 << 20)),
            ("blob-quota: none\n", nil, BlobSpaceLimits.defaultFloor),
        ])
    func blobLimits(text: String, quota: UInt64?, floor: BlobSpaceLimits.Floor) throws {
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try ServerConfig.load(path: path, required: true)
        #expect(config.blobLimits == BlobSpaceLimits(quotaBytes: quota, floor: floor))
    }

    @Test(
        "Blob limits out of range are refused naming the setting",
        arguments: [
            "blob-quota: 20000000TiB\n", "blob-quota: -1\n", "blob-quota: 1e9\n", "blob-free-space-floor: 100%\n",
            "blob-free-space-floor: -5%\n", "blob-free-space-floor: lots\n",
        ])
    func blobLimitsRefused(text: String) throws {
        let path = try Self.write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = String(text.prefix { $0 != ":" })
        do {
            _ = try ServerConfig.load(path: path, required: true)
            Issue.record("\(text) must be refused")
        } catch {
            #expect(error.message.contains(key) && error.message.contains(path))
        }
    }

    @Test("A missing default file means the defaults; a missing named file is an error")
    func missing() throws {
        #expect(try ServerConfig.load(path: "/nonexistent/kiban.yaml", required: false).peerPort == 10090)
        #expect(throws: ServerError.self) { try ServerConfig.load(path: "/nonexistent/kiban.yaml", required: true) }
    }

    @Test("A peer hello survives encoding, and a connection that does not start with one is refused")
    func hello() throws {
        let hello = PeerHello(purpose: .raft, from: 0xabc)
        #expect(try PeerHello(hello.encoded) == hello)
        #expect(throws: ServerError.self) { try PeerHello(.init(string: "GET / HTTP/1.1\r\n")) }
    }

    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kiban-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }
}
