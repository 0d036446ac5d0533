import Foundation

/// Versioned schema migrations for ``SQLiteStorage``. Append new versions; never edit old ones.
enum SQLiteSchema {
    static let migrations: [(version: Int64, sql: String)] = [
        (
            1,
            """
            CREATE TABLE certificates (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                issuer_id TEXT NOT NULL,
                serial TEXT NOT NULL,
                subject TEXT NOT NULL,
                sans TEXT NOT NULL,
                not_before INTEGER NOT NULL,
                not_after INTEGER NOT NULL,
                revoked_at INTEGER,
                revocation_reason INTEGER,
                certificate_pem TEXT NOT NULL,
                chain_pem TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT NOT NULL,
                UNIQUE (issuer_id, serial)
            );
            CREATE INDEX certificates_by_issuer ON certificates (issuer_id, seq);
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                secret_hash BLOB NOT NULL,
                is_admin INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER
            );
            CREATE TABLE audit_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                occurred_at_ms INTEGER NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT NOT NULL,
                detail TEXT NOT NULL
            );
            """
        )
    ]

    static func migrate(_ db: SQLiteConnection) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        try db.transaction {
            let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0.int("version") })
            for migration in migrations where !applied.contains(migration.version) {
                try db.execute(migration.sql)
                try db.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                    [.integer(migration.version), .integer(Date().unixSeconds)]
                )
            }
        }
    }
}
