import Foundation

/// A JSON record read from the store, with the revision a later write compares on.
public struct Record<Value: Sendable>: Sendable {
    /// The decoded value.
    public var value: Value
    /// The key's mod revision when it was read.
    public var modRevision: Int64
}

/// Typed helpers: Codable values stored as JSON, updated by compare-on-revision retry loops
/// (the read-modify-write pattern of etcd's `concurrency.STM`, without its locks).
extension Store {
    /// The value at `key` decoded from JSON, or nil when the key does not exist.
    /// - Throws: ``StoreError`` `badRequest` when the bytes are not a `Value`.
    public func record<Value: Decodable & Sendable>(
        _ type: Value.Type, at key: [UInt8],
        consistency: ReadConsistency = .linearizable
    ) async throws(StoreError) -> Record<Value>? {
        guard let kv = try await get(key, consistency: consistency) else { return nil }
        return Record(value: try Self.decode(type, kv), modRevision: kv.modRevision)
    }

    /// Stores `value` as JSON at `key` unconditionally; returns the new revision.
    @discardableResult
    public func putRecord(_ value: some Encodable & Sendable, at key: [UInt8], lease: Int64 = 0) async throws(StoreError) -> Int64 {
        try await put(key, try Self.encode(value), lease: lease)
    }

    /// Reads the record at `key`, passes it to `transform`, and writes the result only if the
    /// key did not change meanwhile (compare on mod revision; on version 0 for a new key);
    /// retries with the fresh value when it did. `transform` returning nil deletes the key.
    /// Returns what was written.
    /// - Throws: ``StoreError`` `conflict` after `attemptsMax` lost races, anything
    ///   `transform` throws, and the errors of ``txn(_:)``.
    @discardableResult
    public func updateRecord<Value: Codable & Sendable>(
        _ type: Value.Type, at key: [UInt8], attemptsMax: Int = 16,
        _ transform: @Sendable (Value?) throws -> Value?
    ) async throws -> Value? {
        var current = try await get(key)
        for _ in 0..<attemptsMax {
            let old = try current.map { kv throws(StoreError) in try Self.decode(type, kv) }
            let new = try transform(old)
            let guardRevision =
                current.map { Compare(key, .equal, .modRevision($0.modRevision)) }
                ?? Compare(key, .equal, .version(0))
            let write: Operation =
                try new.map { v throws(StoreError) in .put(key: key, value: try Self.encode(v), lease: current?.lease ?? 0) }
                ?? .delete(.key(key))
            let result = try await txn(
                Txn(
                    compares: [guardRevision], success: [write],
                    failure: [.range(.key(key), limit: 1)]))
            if result.succeeded { return new }
            guard case .range(let kvs, _)? = result.results.first else { return nil }
            current = kvs.first
        }
        throw StoreError(.conflict, "\(attemptsMax) updates of \(String(decoding: key, as: UTF8.self)) lost to concurrent writers; retry later")
    }

    /// The JSON record in `kv` (for modules that read ranges of records).
    package static func decode<Value: Decodable>(_ type: Value.Type, _ kv: KeyValue) throws(StoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(kv.value))
        } catch {
            throw StoreError(.badRequest, "\(String(decoding: kv.key, as: UTF8.self)) does not hold a \(Value.self): \(error)")
        }
    }

    /// `value` as a record's JSON (for modules that write records inside transactions).
    package static func encode(_ value: some Encodable) throws(StoreError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw StoreError(.badRequest, "cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }
}
