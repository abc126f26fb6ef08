import CSQLite

/// SQLite's `SQLITE_TRANSIENT`: the macro is not imported; it tells SQLite to copy the bytes.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A prepared statement: bind with 1-based indexes, step, read columns with 0-based indexes.
package final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let database: SQLiteDatabase

    init(_ raw: OpaquePointer, database: SQLiteDatabase) {
        self.raw = raw
        self.database = database
    }

    deinit { sqlite3_finalize(raw) }

    /// Forgets the previous execution and bindings.
    package func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// Binds values in order to parameters 1, 2, …
    @discardableResult
    package func bind(_ values: SQLiteValue...) -> SQLiteStatement { bind(values) }

    /// Binds values in order to parameters 1, 2, …
    @discardableResult
    package func bind(_ values: [SQLiteValue]) -> SQLiteStatement {
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .integer(let n): sqlite3_bind_int64(raw, index, n)
            case .blob(let bytes):
                // An empty array still binds as an empty BLOB, not NULL: keys compare as bytes.
                bytes.withUnsafeBytes { buf in
                    _ = sqlite3_bind_blob(
                        raw, index, buf.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        Int32(buf.count), transient)
                }
            case .null: sqlite3_bind_null(raw, index)
            }
        }
        return self
    }

    /// Executes to the next row: true when a row is available.
    package func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(rc, String(cString: sqlite3_sql(raw)))
        }
    }

    /// Executes a statement that returns no rows.
    package func run() throws(StoreError) {
        while try step() {}
    }

    /// The integer in column `i`.
    package func int64(_ i: Int32) -> Int64 { sqlite3_column_int64(raw, i) }

    /// The unsigned integer in column `i` (stored as its two's-complement bit pattern).
    package func uint64(_ i: Int32) -> UInt64 { UInt64(bitPattern: sqlite3_column_int64(raw, i)) }

    /// True when column `i` is NULL.
    package func isNull(_ i: Int32) -> Bool { sqlite3_column_type(raw, i) == SQLITE_NULL }

    /// The bytes in column `i` (empty for NULL).
    package func blob(_ i: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, i))
        guard count > 0, let base = sqlite3_column_blob(raw, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// The text in column `i`.
    package func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(raw, i) else { return "" }
        return String(cString: p)
    }
}

/// A value bound to a statement parameter.
package enum SQLiteValue {
    case integer(Int64)
    case blob([UInt8])
    case null

    /// An unsigned integer stored by its bit pattern (log indexes and terms fit in 63 bits anyway).
    package static func u(_ n: UInt64) -> SQLiteValue { .integer(Int64(bitPattern: n)) }
}
