import Foundation
import KibanCA
import KibanNetboot
import KibanStore
import KibanTestSupport
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Testing

@testable import KibanServer

/// A cluster CA and a member certificate for in-process peer endpoints.
struct TestTrust {
    let clusterID = "c1"
    let ca: CertificateAuthority
    let member: PeerTLS
    let memberID: UInt64 = 0x51

    init() throws {
        ca = try CertificateAuthority.create(clusterID: clusterID, now: Date())
        member = try Self.issue(ca, name: "m1", cluster: clusterID, id: memberID)
    }

    /// TLS files for a member `name`/`id` of `cluster`, signed by `ca`.
    static func issue(_ ca: CertificateAuthority, name: String, cluster: String?, id: UInt64?) throws -> PeerTLS {
        let identity = MemberIdentity(name: name, ipAddresses: [[127, 0, 0, 1]], clusterID: cluster, memberID: id)
        let (key, csr) = try MemberKey.createRequest(for: identity)
        return PeerTLS(caPEM: ca.certificatePEM, certificatePEM: try ca.signPEM(csr, as: identity, now: Date()), keyPEM: key)
    }
}

/// What a peer server under test was asked.
final class Calls: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var joins: [JoinRequest] = []
    func record(_ r: JoinRequest) { lock.withLock { joins.append(r) } }
    var joinCount: Int { lock.withLock { joins.count } }
}

@Suite("The peer port: pinned joins and bounds before authentication", .serialized)
struct PeerTrustTests {
    /// A real ``PeerServer`` on a free port of 127.0.0.1 that knows member `trust.memberID`.
    static func server(_ trust: TestTrust, calls: Calls) async throws -> (PeerServer, String, String) {
        let dir = try temporaryDirectory("kiban-peer")
        let credentials = try PeerCredentials(trust.member, clusterID: trust.clusterID)
        let directory = PeerDirectory()
        directory.upsert(MemberRecord(id: trust.memberID, name: "m1", endpoint: "127.0.0.1:1"))
        let handlers = PeerServer.Handlers(
            join: { request in
                calls.record(request)
                return JoinResponse(error: .forbidden, message: "test")
            },
            forward: { _ in ForwardResponse() },
            renew: { _, _ in RenewResponse(error: .forbidden, message: "test") }, kek: { nil })
        let port = try FreePort.tcp()
        let server = try await PeerServer.start(
            host: "127.0.0.1", port: port, credentials: credentials, directory: directory,
            inbox: MessageQueue(), spool: dir, handlers: handlers,
            blobs: BlobSender(blobs: BlobDirectory(dataDir: dir), bytesPerSecondMax: nil),
            logger: Logger(label: "test"))
        return (server, "127.0.0.1:\(port)", dir)
    }

    /// Connects without a client certificate, sends `frames`, and returns whether the server
    /// closed the connection within `seconds` without answering.
    static func closedWithoutAnswer(_ endpoint: String, frames: [ByteBuffer], seconds: Int64 = 15) async throws -> Bool {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        do {
            let answered = try await PeerConnection.with(endpoint: endpoint, context: context, expect: nil, deadline: .seconds(seconds)) { inbound, outbound in
                try await outbound.write(contentsOf: frames)
                var it = inbound.makeAsyncIterator()
                return try await it.next() != nil
            }
            return !answered
        } catch {
            return true
        }
    }

    @Test("A fake member that serves the real CA plus its own gets no token secret (join hijack)")
    func joinHijackRefused() async throws {
        let real = try CertificateAuthority.create(clusterID: "c1", now: Date())
        let attacker = try CertificateAuthority.create(clusterID: "c1", now: Date())
        let attackerTLS = try TestTrust.issue(attacker, name: "m1", cluster: "c1", id: 1)
        // The fake member answers the CA fetch with real + attacker CA, and signs its TLS with
        // the attacker's: the old client trusted every certificate of the bundle.
        let fake = PeerTLS(
            caPEM: real.certificatePEM + "\n" + attacker.certificatePEM,
            certificatePEM: attackerTLS.certificatePEM, keyPEM: attackerTLS.keyPEM)
        let calls = Calls()
        let dir = try temporaryDirectory("kiban-fake")
        let port = try FreePort.tcp()
        let server = try await PeerServer.start(
            host: "127.0.0.1", port: port, credentials: try PeerCredentials(fake, clusterID: "c1"), directory: PeerDirectory(),
            inbox: MessageQueue(), spool: dir,
            handlers: .init(
                join: {
                    calls.record($0)
                    return JoinResponse(clusterID: "c1")
                }, forward: { _ in ForwardResponse() },
                renew: { _, _ in RenewResponse() }, kek: { nil }),
            blobs: BlobSender(blobs: BlobDirectory(dataDir: dir), bytesPerSecondMax: nil), logger: Logger(label: "fake"))
        defer { Task { await server.close() } }
        let token = JoinToken.create(
            clusterID: "c1", name: "boot-2", addresses: ["127.0.0.1:\(port)"],
            caFingerprint: real.fingerprint, ttl: 600, now: Date())
        let request = JoinRequest(secret: token.secret, name: "boot-2", endpoint: "127.0.0.1:9", csr: "")
        let error = await #expect(throws: ServerError.self) {
            _ = try await JoinClient.join(endpoint: "127.0.0.1:\(port)", token: token, request: request)
        }
        #expect(error?.code == .forbidden)
        #expect(calls.joinCount == 0, "the token secret reached the fake member")
    }

    /// Connects with TLS and no client certificate, writes `bytes` as they are (no framing),
    /// and returns whether the server closed the connection within `seconds`.
    static func closedAfterRaw(_ endpoint: String, _ bytes: [UInt8], seconds: Int = 5) async throws -> Bool {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        let context = try NIOSSLContext(configuration: tls)
        let (host, port) = try PeerEndpoint.split(endpoint)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
        let deadline = ContinuousClock.now + .seconds(seconds)
        while channel.isActive, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return !channel.isActive
    }

    /// A frame header claiming `length` bytes, followed by `sent` of them.
    static func frame(claiming length: UInt32, sending sent: Int) -> [UInt8] {
        withUnsafeBytes(of: length.bigEndian, Array.init) + [UInt8](repeating: 0x4b, count: sent)
    }

    @Test("Before authentication a frame over its bound is refused at its length: a 1 MiB hello, a 1 MiB join request")
    func unauthenticatedBounds() async throws {
        let trust = try TestTrust()
        let calls = Calls()
        let (server, endpoint, _) = try await Self.server(trust, calls: calls)
        defer { Task { await server.close() } }
        // The server must hang up on the length alone, not wait for (and buffer) the megabyte.
        #expect(
            try await Self.closedAfterRaw(endpoint, Self.frame(claiming: 1 << 20, sending: 100)),
            "a 1 MiB first frame was not refused at its length")
        let hello = Array(PeerHello(purpose: .join).encoded.readableBytesView)
        #expect(
            try await Self.closedAfterRaw(
                endpoint,
                Self.frame(claiming: UInt32(hello.count), sending: 0) + hello
                    + Self.frame(claiming: 1 << 20, sending: 100)),
            "a 1 MiB join request was not refused at its length")
        #expect(calls.joinCount == 0)
        // Within the bounds the same connection stays open, waiting for the rest.
        #expect(
            try await !Self.closedAfterRaw(
                endpoint,
                Self.frame(claiming: UInt32(hello.count), sending: 0) + hello
                    + Self.frame(claiming: 60 << 10, sending: 100), seconds: 2))
        #expect(
            try await Self.closedWithoutAnswer(
                endpoint,
                frames: [
                    PeerHello(purpose: .raft, from: trust.memberID).encoded,
                    ByteBuffer(repeating: 0, count: 1024),
                ]))
        // A CA fetch is answered.
        #expect(try await !Self.closedWithoutAnswer(endpoint, frames: [PeerHello(purpose: .caCertificate).encoded]))
    }

    @Test("A connection that sends no hello is closed after the hello timeout")
    func helloTimeout() async throws {
        let trust = try TestTrust()
        let (server, endpoint, _) = try await Self.server(trust, calls: Calls())
        defer { Task { await server.close() } }
        let started = ContinuousClock.now
        #expect(try await Self.closedWithoutAnswer(endpoint, frames: [], seconds: 40))
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(30), "closed after \(waited)")
    }

    @Test("One source may hold at most 32 peer connections; one more is closed at once")
    func perSourceCap() async throws {
        let trust = try TestTrust()
        let (server, endpoint, _) = try await Self.server(trust, calls: Calls())
        defer { Task { await server.close() } }
        let (host, port) = try PeerEndpoint.split(endpoint)
        var connections: [any Channel] = []
        defer { for c in connections { c.close(promise: nil) } }
        for _ in 0...PeerAcceptor.perSourceMax {
            connections.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: host, port: port).get())
        }
        // Which one is refused is not fixed: the server admits accepted connections on several
        // event loops, so the 33rd admitted need not be the 33rd connected. Exactly one is.
        let deadline = ContinuousClock.now + .seconds(5)
        while connections.filter(\.isActive).count > PeerAcceptor.perSourceMax, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(200))  // a second refusal would show by now
        let open = connections.filter(\.isActive).count
        #expect(open == PeerAcceptor.perSourceMax, "\(open) of \(connections.count) connections from one source stayed open")
    }

    @Test("A member connecting out refuses a server whose certificate names another member or cluster")
    func outgoingIdentity() async throws {
        let trust = try TestTrust()
        let (server, endpoint, _) = try await Self.server(trust, calls: Calls())
        defer { Task { await server.close() } }
        let client = try PeerCredentials(try TestTrust.issue(trust.ca, name: "m2", cluster: "c1", id: 0x52), clusterID: "c1")
        let hello = [PeerHello(purpose: .caCertificate).encoded]
        for (expect, ok) in [
            (PeerExpectation.member(cluster: "c1", id: trust.memberID, name: "m1"), true),
            (.member(cluster: "c1", id: 0x99, name: "m1"), false),
            (.member(cluster: "c2", id: trust.memberID, name: "m1"), false),
            (.anyMember(cluster: "c2"), false), (.anyMember(cluster: "c1"), true),
        ] {
            let result = await Result(catching: { () async throws -> Void in
                _ = try await JoinClient.exchange(endpoint: endpoint, context: client.client, expect: expect, frames: hello)
            })
            #expect(((try? result.get()) != nil) == ok, "\(expect)")
        }
    }
}
