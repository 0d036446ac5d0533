import ConnectorAPI
import Foundation
import NIOPosix
import Synchronization

/// ``HostStorage`` on an embedded SQLite file (WAL mode).
///
/// One writer connection, serialised by a mutex, and a pool of reader connections that WAL lets
/// run alongside it (so OCSP lookups are not queued behind a write or a CRL read). Every call runs
/// on the NIO blocking thread pool so the cooperative pool and event loops never block on disk.
public final class SQLiteStorage: HostStorage {
    private let connection: Mutex<SQLiteConnection>
    private let readers = Mutex<[SQLiteConnection]>([])
    private let path: String
    private let threadPool: NIOThreadPool

    /// Opens (creating when missing) the database file; its directory must exist.
    public init(path: String, threadPool: NIOThreadPool = .singleton) throws {
        self.connection = Mutex(try SQLiteConnection(path: path))
        self.path = path
        self.threadPool = threadPool
    }

    /// Runs `body` with exclusive use of the writer connection, off the cooperative pool.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await threadPool.runIfActive {
            try self.connection.withLock { try body($0) }
        }
    }

    /// Runs a read-only `body` on a pooled reader connection (opened on first need), off the
    /// cooperative pool. It sees every transaction committed before it started.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await threadPool.runIfActive {
            let reader = try self.readers.withLock { $0.popLast() } ?? SQLiteConnection(path: self.path)
            defer { self.readers.withLock { $0.append(reader) } }
            return try body(reader)
        }
    }

    /// Runs `body` inside one transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withConnection { db in try db.transaction { try body(db) } }
    }

    /// Nothing runs in the background for an embedded file.
    public func run() async {}

    /// One instance per SQLite file: nothing to coordinate with.
    public func withExclusiveLock<T: Sendable>(_ name: ExclusiveLock, wait: Bool, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?
    {
        try await body()
    }

    public func migrate() async throws {
        try await withConnection { db in try SQLiteSchema.migrate(db) }
    }

    public func ping() async throws {
        try await withConnection { db in _ = try db.query("SELECT 1") }
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await withConnection { db in try Self.insertAudit(entry, db) }
    }

    public func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry] {
        try await read { db in
            try db.query(
                "SELECT * FROM audit_events WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2",
                [.integer(beforeSeq ?? .max), .integer(Int64(limit))]
            ).map(Self.auditEntry)
        }
    }

    static func insertAudit(_ entry: AuditEntry, _ db: SQLiteConnection) throws {
        let detail = String(decoding: try JSONEncoder.sortedKeys.encode(entry.detail), as: UTF8.self)
        try db.query(
            "INSERT INTO audit_events (occurred_at_ms, actor, action, target, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            [.integer(entry.occurredAt.unixMilliseconds), .text(entry.actor), .text(entry.action), .text(entry.target), .text(detail)]
        )
    }

    static func auditEntry(_ row: SQLiteRow) throws -> AuditEntry {
        let detail = try JSONDecoder().decode([String: String].self, from: Data((row.string("detail") ?? "{}").utf8))
        return AuditEntry(
            seq: row.int("seq") ?? 0,
            occurredAt: Date(unixMilliseconds: row.int("occurred_at_ms") ?? 0),
            actor: row.string("actor") ?? "",
            action: row.string("action") ?? "",
            target: row.string("target") ?? "",
            detail: detail
        )
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

extension Date {
    var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
    var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }
    init(unixSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixSeconds)) }
    init(unixMilliseconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixMilliseconds) / 1000) }
}
