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
        ),
        (
            2,
            """
            CREATE TABLE crl_numbers (
                issuer_id TEXT PRIMARY KEY,
                last_number INTEGER NOT NULL
            );
            CREATE TABLE crl_cache (
                issuer_id TEXT PRIMARY KEY,
                crl_number INTEGER NOT NULL,
                der BLOB NOT NULL,
                this_update INTEGER NOT NULL,
                next_update INTEGER NOT NULL,
                generated_at_ms INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                revoked_count INTEGER NOT NULL
            );
            CREATE TABLE crl_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                issuer_id TEXT NOT NULL,
                started_at_ms INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                succeeded INTEGER NOT NULL,
                crl_number INTEGER,
                revoked_count INTEGER
            );
            CREATE INDEX crl_events_by_issuer ON crl_events (issuer_id, seq);
            CREATE INDEX certificates_revoked ON certificates (issuer_id, revoked_at) WHERE revoked_at IS NOT NULL;
            CREATE TABLE ocsp_responders (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                issuer_id TEXT NOT NULL,
                serial TEXT NOT NULL,
                certificate_pem TEXT NOT NULL,
                key_file TEXT NOT NULL,
                not_before INTEGER NOT NULL,
                not_after INTEGER NOT NULL
            );
            CREATE INDEX ocsp_responders_by_issuer ON ocsp_responders (issuer_id, seq);
            CREATE TABLE ocsp_cache (
                issuer_id TEXT NOT NULL,
                serial TEXT NOT NULL,
                cert_id TEXT NOT NULL,
                der BLOB NOT NULL,
                this_update INTEGER NOT NULL,
                next_update INTEGER NOT NULL,
                PRIMARY KEY (issuer_id, serial, cert_id)
            );
            """
        ),
        (
            3,
            """
            ALTER TABLE api_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'operator';
            UPDATE api_keys SET role = 'admin' WHERE is_admin = 1;
            ALTER TABLE api_keys ADD COLUMN profiles TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
            ALTER TABLE certificates ADD COLUMN profile TEXT;
            CREATE INDEX certificates_by_requester ON certificates (created_by, seq);
            """
        ),
        (
            4,
            """
            CREATE TABLE acme_nonces (
                nonce TEXT PRIMARY KEY,
                expires_at INTEGER NOT NULL
            );
            CREATE INDEX acme_nonces_by_expiry ON acme_nonces (expires_at);
            CREATE TABLE acme_objects (
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                profile TEXT NOT NULL,
                account_id TEXT,
                lookup TEXT,
                status TEXT NOT NULL,
                expires_at INTEGER,
                created_at INTEGER NOT NULL,
                body TEXT NOT NULL,
                version INTEGER NOT NULL,
                PRIMARY KEY (kind, id)
            );
            CREATE INDEX acme_objects_by_lookup ON acme_objects (kind, lookup);
            CREATE INDEX acme_objects_by_account ON acme_objects (kind, account_id, created_at);
            """
        ),
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
