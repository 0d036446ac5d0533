/// Versioned schema migrations for ``PostgresStorage``, the same tables as ``SQLiteSchema`` in
/// PostgreSQL types. Append new versions; never edit old ones.
enum PostgresSchema {
    /// `pg_advisory_xact_lock` key under which migrations run, so several instances starting at once
    /// apply each version exactly once ("certctl" in ASCII).
    static let migrationLock: Int64 = 0x63_65_72_74_63_74_6c

    static let migrations: [(version: Int64, sql: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE certificates (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    issuer_id TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    sans TEXT NOT NULL,
                    not_before BIGINT NOT NULL,
                    not_after BIGINT NOT NULL,
                    revoked_at BIGINT,
                    revocation_reason INTEGER,
                    certificate_pem TEXT NOT NULL,
                    chain_pem TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    created_by TEXT NOT NULL,
                    UNIQUE (issuer_id, serial)
                )
                """,
                "CREATE INDEX certificates_by_issuer ON certificates (issuer_id, seq)",
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    secret_hash BYTEA NOT NULL,
                    is_admin BOOLEAN NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                """
                CREATE TABLE audit_events (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    occurred_at_ms BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            2,
            [
                "CREATE TABLE crl_numbers (issuer_id TEXT PRIMARY KEY, last_number BIGINT NOT NULL)",
                """
                CREATE TABLE crl_cache (
                    issuer_id TEXT PRIMARY KEY,
                    crl_number BIGINT NOT NULL,
                    der BYTEA NOT NULL,
                    this_update BIGINT NOT NULL,
                    next_update BIGINT NOT NULL,
                    generated_at_ms BIGINT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    revoked_count BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE crl_events (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    issuer_id TEXT NOT NULL,
                    started_at_ms BIGINT NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    succeeded BOOLEAN NOT NULL,
                    crl_number BIGINT,
                    revoked_count BIGINT
                )
                """,
                "CREATE INDEX crl_events_by_issuer ON crl_events (issuer_id, seq)",
                "CREATE INDEX certificates_revoked ON certificates (issuer_id, revoked_at) WHERE revoked_at IS NOT NULL",
                """
                CREATE TABLE ocsp_responders (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    issuer_id TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    certificate_pem TEXT NOT NULL,
                    key_file TEXT NOT NULL,
                    not_before BIGINT NOT NULL,
                    not_after BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ocsp_responders_by_issuer ON ocsp_responders (issuer_id, seq)",
                """
                CREATE TABLE ocsp_cache (
                    issuer_id TEXT NOT NULL,
                    serial TEXT NOT NULL,
                    cert_id TEXT NOT NULL,
                    der BYTEA NOT NULL,
                    this_update BIGINT NOT NULL,
                    next_update BIGINT NOT NULL,
                    PRIMARY KEY (issuer_id, serial, cert_id)
                )
                """,
            ]
        ),
    ]
}
