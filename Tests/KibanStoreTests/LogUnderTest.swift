import KibanRaft
import KibanStore
import KibanTestSupport
import Testing

/// One log storage behind a common face, so that one test body checks MemoryStorage (the
/// reference) and SQLiteLogStorage alike.
enum LogBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite
    var testDescription: String { rawValue }
}

final class LogUnderTest {
    let storage: any LogStorage
    private let dir: TemporaryDirectory
    private let memory: MemoryStorage?
    private let sqlite: SQLiteLogStorage?

    init(_ backend: LogBackend, bootstrap: ConfState? = nil) throws {
        dir = try TemporaryDirectory("kiban-store-test")
        switch backend {
        case .memory:
            let m = bootstrap.map { MemoryStorage(bootstrap: $0) } ?? MemoryStorage()
            memory = m
            sqlite = nil
            storage = m
        case .sqlite:
            let s = try SQLiteLogStorage(path: dir.file("raft.db"), bootstrap: bootstrap)
            memory = nil
            sqlite = s
            storage = s
        }
    }

    func append(_ entries: [Entry]) throws {
        if let memory { memory.append(entries) } else { try sqlite?.append(entries) }
    }

    func setHardState(_ hs: HardState) throws {
        if let memory { memory.setHardState(hs) } else { try sqlite?.setHardState(hs) }
    }

    func applySnapshot(_ s: Snapshot) throws {
        if let memory { memory.applySnapshot(s) } else { try sqlite?.applySnapshot(s) }
    }

    func createSnapshot(index: UInt64, conf: ConfState, data: [UInt8]) throws {
        if let memory {
            try memory.createSnapshot(index: index, confState: conf, data: data)
        } else {
            try sqlite?.createSnapshot(index: index, confState: conf, data: data)
        }
    }

    /// The SQLite storage reopened from its file (the memory one is returned as is).
    func reopened() throws -> any LogStorage {
        guard sqlite != nil else { return storage }
        return try SQLiteLogStorage(path: dir.file("raft.db"))
    }
}

func entries(_ range: ClosedRange<UInt64>, term: UInt64) -> [Entry] {
    range.map { Entry(term: term, index: $0, data: Array("e\($0)".utf8)) }
}
