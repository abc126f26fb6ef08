import Foundation
import KibanNetboot
import KibanStore
import Logging

/// Keeps this member's blob directory in line with the records: follows `netboot/` in the store
/// (a watch wakes it; a timer retries), fetches referenced blobs it lacks from members that have
/// them (``BlobFetcher``, resuming partial transfers), announces what it holds with its presence
/// key, and collects blobs nothing references any more (``BlobSyncPlan``).
final class BlobReplicator: Sendable {
    let store: Store
    let blobs: BlobDirectory
    let member: String
    let selfID: UInt64
    let presence: PresenceRecord
    let directory: PeerDirectory
    let credentials: PeerCredentials
    let settings: BlobSyncSettings
    let logger: Logger

    init(
        store: Store, blobs: BlobDirectory, member: String, selfID: UInt64, presence: PresenceRecord,
        directory: PeerDirectory, credentials: PeerCredentials, settings: BlobSyncSettings, logger: Logger
    ) {
        self.store = store
        self.blobs = blobs
        self.member = member
        self.selfID = selfID
        self.presence = presence
        self.directory = directory
        self.credentials = credentials
        self.settings = settings
        self.logger = logger
    }

    /// Per-round memory: back-off per blob, and when unreferenced blobs were first seen.
    struct State {
        var retries: [String: (attempts: Int, next: ContinuousClock.Instant)] = [:]
        var unreferencedSince: [String: Date] = [:]
    }

    /// Syncs until cancelled.
    func run() async {
        let (wake, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // A round after each netboot change, and after each listing (a change may have fallen
        // between two watches).
        let watcher = Task { [store] in
            let netboot = KeyRange.prefix(Array(NetbootKeys.prefix.utf8))
            await StoreFollower(store: store, range: netboot).run(
                list: {
                    signal.yield()
                    return try await store.range(netboot, limit: 1, consistency: .serializable).revision
                },
                event: { _ in
                    signal.yield()
                    return .follow
                })
        }
        let ticker = Task { [settings] in
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.roundInterval)
                signal.yield()
            }
        }
        defer {
            watcher.cancel()
            ticker.cancel()
        }
        var state = State()
        for await _ in wake {
            if Task.isCancelled { return }
            await round(&state)
        }
    }

    /// One look at the records and the directory, and the actions that follow.
    func round(_ state: inout State) async {
        let catalog: Catalog
        let presence: [String: [PresenceRecord]]
        do {
            catalog = try await store.catalog(consistency: .serializable)
            presence = try await store.presenceByBlob()
        } catch {
            logger.debug("blob sync waits for the store", metadata: ["kiban.blobs.error": "\(error)"])
            return
        }
        let wanted = catalog.blobs
        let plan = BlobSyncPlan.make(
            member: member, wanted: wanted, local: blobs.entries(), partials: blobs.partialTransfers(),
            presence: presence, now: Date(), grace: settings.gcGrace.seconds,
            unreferencedSince: state.unreferencedSince)
        state.unreferencedSince = plan.unreferencedSince
        for hash in plan.collect {
            blobs.remove(sha256: hash)
            logger.notice("collected an unreferenced blob", metadata: ["kiban.blobs.sha256": "\(hash)"])
        }
        await withdraw(plan.withdraw)
        for hash in plan.announce { await announce(hash) }
        let due = plan.fetch.filter { blob in state.retries[blob.sha256].map { $0.next <= .now } ?? true }
        let attempts = state.retries.mapValues(\.attempts)
        for (blob, fetched) in await fetchAll(due, presence: presence, attempts: attempts) {
            if fetched {
                state.retries[blob.sha256] = nil
            } else {
                let attempt = attempts[blob.sha256] ?? 0
                let delay = min(settings.retryFirst * (1 << min(attempt, 16)), settings.retryMax)
                state.retries[blob.sha256] = (attempt + 1, .now + delay)
            }
        }
        state.retries = state.retries.filter { wanted[$0.key] != nil }
    }

    /// Fetches `blobs`, at most ``BlobSyncSettings/fetchesMax`` at once (each blob by one
    /// transfer), announcing each as soon as it is verified; returns which arrived.
    private func fetchAll(
        _ blobs: [BlobReference], presence: [String: [PresenceRecord]],
        attempts: [String: Int]
    ) async -> [(BlobReference, Bool)] {
        await withTaskGroup(of: (BlobReference, Bool).self) { group in
            var waiting = blobs[...]
            func startNext() {
                guard !Task.isCancelled, let blob = waiting.popFirst() else { return }
                let sources = (presence[blob.sha256] ?? []).map(\.member).filter { $0 != member }
                group.addTask { [self] in
                    let fetched = await fetch(blob, sources: sources, attempt: attempts[blob.sha256] ?? 0)
                    if fetched { await announce(blob.sha256) }
                    return (blob, fetched)
                }
            }
            for _ in 0..<settings.fetchesMax { startNext() }
            var results: [(BlobReference, Bool)] = []
            for await result in group {
                results.append(result)
                startNext()
            }
            return results
        }
    }

    /// Tries the members having `blob`, starting at a different one on each attempt; true once
    /// the blob is here and verified.
    private func fetch(_ blob: BlobReference, sources: [String], attempt: Int) async -> Bool {
        guard !sources.isEmpty else { return false }
        let records = Dictionary(directory.all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for i in 0..<sources.count {
            let source = sources[(attempt + i) % sources.count]
            guard let record = records[source] else { continue }
            let writer: BlobWriter
            do { writer = try await Offload.run { [blobs] in try blobs.transfer(blob) } } catch {
                logger.error("cannot store a blob", metadata: ["kiban.blobs.sha256": "\(blob.sha256)", "kiban.blobs.error": "\(error)"])
                return false
            }
            let offset = writer.written
            logger.info(
                "fetching a blob",
                metadata: [
                    "kiban.blobs.sha256": "\(blob.sha256)", "kiban.blobs.source": "\(source)",
                    "kiban.blobs.offset": "\(offset)", "kiban.blobs.size": "\(blob.size)",
                ])
            do {
                if offset < blob.size {
                    try await BlobFetcher.fetch(into: writer, from: record, selfID: selfID, credentials: credentials) { [store] in
                        (try? await store.catalog(consistency: .serializable).blobs[blob.sha256]) != nil
                    }
                }
                _ = try await Offload.run { try writer.finish() }
                logger.notice(
                    "blob verified",
                    metadata: [
                        "kiban.blobs.sha256": "\(blob.sha256)", "kiban.blobs.source": "\(source)",
                        "kiban.blobs.resumed_at": "\(offset)",
                    ])
                return true
            } catch {
                writer.suspend()
                if (error as? ServerError)?.code == .conflict {
                    logger.info("stopped fetching an unreferenced blob", metadata: ["kiban.blobs.sha256": "\(blob.sha256)"])
                    return false
                }
                logger.warning(
                    "blob transfer failed; will resume",
                    metadata: [
                        "kiban.blobs.sha256": "\(blob.sha256)", "kiban.blobs.source": "\(source)",
                        "kiban.blobs.have": "\(writer.written)", "kiban.blobs.error": "\(error)",
                    ])
            }
        }
        return false
    }

    private func announce(_ hash: String) async {
        do {
            try await store.putRecord(presence, at: NetbootKeys.presence(hash, member: member))
        } catch {
            logger.info("presence not written yet", metadata: ["kiban.blobs.sha256": "\(hash)", "kiban.blobs.error": "\(error)"])
        }
    }

    private func withdraw(_ hashes: [String]) async {
        guard !hashes.isEmpty else { return }
        let deletes = hashes.map { KibanStore.Operation.delete(.key(NetbootKeys.presence($0, member: member))) }
        do {
            _ = try await store.txn(Txn(success: deletes))
        } catch {
            logger.info("presence not withdrawn yet", metadata: ["kiban.blobs.error": "\(error)"])
        }
    }
}

extension Duration {
    /// Whole and fractional seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
