import CSQLite
import Foundation

/// A thin synchronous wrapper over one sqlite3 handle, with its prepared statements cached by SQL
/// text. Not thread-safe: ``SQLiteStorage`` hands each connection to one thread at a time (the
/// writer behind a mutex, readers from a pool), hence `@unchecked Sendable`.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private var inUse: Set<String> = []

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw HostError(.unavailable, "cannot open SQLite database \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, 5_000)
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = NORMAL")
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (may hold several statements).
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &error) == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(error)
            throw HostError(.internalFailure, "SQLite: \(message)")
        }
    }

    /// Runs one statement, binding `parameters` to `?1…`, and returns every row.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [SQLiteRow] {
        var rows: [SQLiteRow] = []
        try each(sql, parameters) { rows.append(SQLiteRow($0.statement)) }
        return rows
    }

    /// Runs one statement and hands each row to `body` as it is stepped, without copying rows
    /// out: for results too large to hold as objects (a CRL's million entries).
    func each(_ sql: String, _ parameters: [SQLiteValue] = [], _ body: (SQLiteCursor) throws -> Void) throws {
        // A cached statement, unless this SQL is already being stepped further up the stack.
        let reusable = !inUse.contains(sql)
        var statement: OpaquePointer? = reusable ? statements[sql] : nil
        if statement == nil {
            guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, statement != nil else {
                throw HostError(.internalFailure, "SQLite prepare: \(String(cString: sqlite3_errmsg(handle)))")
            }
            if reusable { statements[sql] = statement }
        }
        guard let statement else { throw HostError(.internalFailure, "SQLite prepare failed") }
        if reusable { inUse.insert(sql) }
        defer {
            if reusable {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                inUse.remove(sql)
            } else {
                sqlite3_finalize(statement)
            }
        }
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, position)
            case .integer(let v): rc = sqlite3_bind_int64(statement, position, v)
            case .text(let v): rc = sqlite3_bind_text(statement, position, v, -1, sqliteTransient)
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(statement, position, $0.baseAddress, Int32($0.count), sqliteTransient) }
            }
            guard rc == SQLITE_OK else { throw HostError(.internalFailure, "SQLite bind failed (\(rc))") }
        }
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else {
                let message = String(cString: sqlite3_errmsg(handle))
                if rc == SQLITE_CONSTRAINT || (rc & 0xFF) == SQLITE_CONSTRAINT {
                    throw HostError(.conflict, "constraint violated: \(message)")
                }
                throw HostError(.internalFailure, "SQLite step: \(message)")
            }
            try body(SQLiteCursor(statement: statement))
        }
    }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in one IMMEDIATE transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// `SQLITE_TRANSIENT`: SQLite copies bound text/blob before the call returns.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value bound to or read from SQLite.
enum SQLiteValue: Sendable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// The current row of a statement being stepped, read by column index; valid only inside `each`.
struct SQLiteCursor {
    let statement: OpaquePointer

    func int(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_INTEGER ? sqlite3_column_int64(statement, column) : nil
    }

    /// The column's text as UTF-8 bytes, without making a `String`.
    func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T? {
        guard sqlite3_column_type(statement, column) == SQLITE_TEXT, let text = sqlite3_column_text(statement, column) else { return nil }
        return try body(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))))
    }
}

/// One result row, copied out of the statement.
struct SQLiteRow: Sendable {
    private var columns: [String: SQLiteValue] = [:]

    init(_ statement: OpaquePointer) {
        for index in 0..<sqlite3_column_count(statement) {
            let name = String(cString: sqlite3_column_name(statement, index))
            switch sqlite3_column_type(statement, index) {
            case SQLITE_INTEGER: columns[name] = .integer(sqlite3_column_int64(statement, index))
            case SQLITE_TEXT: columns[name] = .text(String(cString: sqlite3_column_text(statement, index)))
            case SQLITE_BLOB:
                let count = Int(sqlite3_column_bytes(statement, index))
                let base = sqlite3_column_blob(statement, index)
                columns[name] = .blob(base.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? [])
            default: columns[name] = .null
            }
        }
    }

    func int(_ name: String) -> Int64? {
        if case .integer(let v) = columns[name] { return v }
        return nil
    }

    func string(_ name: String) -> String? {
        if case .text(let v) = columns[name] { return v }
        return nil
    }

    func blob(_ name: String) -> [UInt8]? {
        if case .blob(let v) = columns[name] { return v }
        return nil
    }
}
