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
        (
            3,
            [
                // One counter that every change an OCSP answer depends on advances, in the changing
                // transaction: a revocation (or any edit of revoked_at), deleted certificates, deleted
                // pre-signed responses, a new or removed responder — by certctl or by an operator's
                // SQL. Instances read it to know that their memory of answers is still exact.
                // Written to run again over its own objects: a `pg_restore --clean` of an older
                // dump leaves them in place while taking schema_migrations back.
                "CREATE TABLE IF NOT EXISTS ocsp_epoch (id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id), value BIGINT NOT NULL)",
                "INSERT INTO ocsp_epoch (id, value) VALUES (TRUE, 0) ON CONFLICT (id) DO NOTHING",
                """
                CREATE OR REPLACE FUNCTION certctl_advance_ocsp_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE ocsp_epoch SET value = value + 1;
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE OR REPLACE FUNCTION certctl_advance_ocsp_epoch_if_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM deleted) THEN
                        UPDATE ocsp_epoch SET value = value + 1;
                    END IF;
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE OR REPLACE FUNCTION certctl_advance_ocsp_epoch_if_live_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- Pruning expired responses changes no answer.
                    IF EXISTS (SELECT 1 FROM deleted WHERE next_update > extract(epoch FROM now())) THEN
                        UPDATE ocsp_epoch SET value = value + 1;
                    END IF;
                    RETURN NULL;
                END
                $$
                """,
                "DROP TRIGGER IF EXISTS certificates_revocation_advances_ocsp_epoch ON certificates",
                """
                CREATE TRIGGER certificates_revocation_advances_ocsp_epoch
                AFTER UPDATE OF revoked_at, revocation_reason ON certificates
                FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch()
                """,
                "DROP TRIGGER IF EXISTS certificates_delete_advances_ocsp_epoch ON certificates",
                """
                CREATE TRIGGER certificates_delete_advances_ocsp_epoch
                AFTER DELETE ON certificates REFERENCING OLD TABLE AS deleted
                FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch_if_deleted()
                """,
                "DROP TRIGGER IF EXISTS ocsp_cache_delete_advances_ocsp_epoch ON ocsp_cache",
                """
                CREATE TRIGGER ocsp_cache_delete_advances_ocsp_epoch
                AFTER DELETE ON ocsp_cache REFERENCING OLD TABLE AS deleted
                FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch_if_live_deleted()
                """,
                "DROP TRIGGER IF EXISTS ocsp_responders_change_advances_ocsp_epoch ON ocsp_responders",
                """
                CREATE TRIGGER ocsp_responders_change_advances_ocsp_epoch
                AFTER INSERT OR UPDATE OR DELETE ON ocsp_responders
                FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch()
                """,
                "DROP TRIGGER IF EXISTS certificates_truncate_advances_ocsp_epoch ON certificates",
                """
                CREATE TRIGGER certificates_truncate_advances_ocsp_epoch
                AFTER TRUNCATE ON certificates FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch()
                """,
                "DROP TRIGGER IF EXISTS ocsp_cache_truncate_advances_ocsp_epoch ON ocsp_cache",
                """
                CREATE TRIGGER ocsp_cache_truncate_advances_ocsp_epoch
                AFTER TRUNCATE ON ocsp_cache FOR EACH STATEMENT EXECUTE FUNCTION certctl_advance_ocsp_epoch()
                """,
            ]
        ),
        (
            4,
            [
                // The OCSP memory leases: an instance answers from memory without reading
                // ocsp_epoch first only while its row here holds an unexpired lease, and a
                // revocation returns once every such instance has seen its counter value
                // (seen_epoch) or its lease ran out. Idempotent, like version 3.
                """
                CREATE TABLE IF NOT EXISTS ocsp_leases (
                    instance_id TEXT PRIMARY KEY,
                    lease_until TIMESTAMPTZ NOT NULL,
                    seen_epoch BIGINT NOT NULL
                )
                """
            ]
        ),
        (
            5,
            [
                // Instances learn of every counter change by notification instead of polling: each
                // advance notifies `certctl_ocsp_epoch` with the new value (delivered at commit, in
                // commit order, to every listening instance), and each acknowledgement of a lease
                // holder notifies `certctl_ocsp_ack`, which a revocation waiting for them listens
                // on. Idempotent, like version 3.
                advancingFunction("certctl_advance_ocsp_epoch", when: nil),
                advancingFunction("certctl_advance_ocsp_epoch_if_deleted", when: "EXISTS (SELECT 1 FROM deleted)"),
                // Pruning expired responses changes no answer.
                advancingFunction(
                    "certctl_advance_ocsp_epoch_if_live_deleted",
                    when: "EXISTS (SELECT 1 FROM deleted WHERE next_update > extract(epoch FROM now()))"),
                """
                CREATE OR REPLACE FUNCTION certctl_notify_ocsp_ack() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('certctl_ocsp_ack', NEW.seen_epoch::text);
                    RETURN NULL;
                END
                $$
                """,
                "DROP TRIGGER IF EXISTS ocsp_leases_ack_notifies ON ocsp_leases",
                """
                CREATE TRIGGER ocsp_leases_ack_notifies
                AFTER INSERT OR UPDATE OF seen_epoch ON ocsp_leases
                FOR EACH ROW EXECUTE FUNCTION certctl_notify_ocsp_ack()
                """,
            ]
        ),
        (
            6,
            [
                // Roles, profiles and expiry of API keys (an admin key stays admin, every other key
                // becomes an operator), and who asked for each certificate under which profile.
                "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS role TEXT NOT NULL DEFAULT 'operator'",
                "UPDATE api_keys SET role = 'admin' WHERE is_admin",
                "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS profiles TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS expires_at BIGINT",
                "ALTER TABLE certificates ADD COLUMN IF NOT EXISTS profile TEXT",
                "CREATE INDEX IF NOT EXISTS certificates_by_requester ON certificates (created_by, seq)",
            ]
        ),
        (
            7,
            [
                // The ACME server: nonces and objects shared by every instance.
                "CREATE TABLE IF NOT EXISTS acme_nonces (nonce TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS acme_nonces_by_expiry ON acme_nonces (expires_at)",
                """
                CREATE TABLE IF NOT EXISTS acme_objects (
                    kind TEXT NOT NULL, id TEXT NOT NULL, profile TEXT NOT NULL, account_id TEXT, lookup TEXT,
                    status TEXT NOT NULL, expires_at BIGINT, created_at BIGINT NOT NULL, body TEXT NOT NULL,
                    version BIGINT NOT NULL, PRIMARY KEY (kind, id))
                """,
                "CREATE INDEX IF NOT EXISTS acme_objects_by_lookup ON acme_objects (kind, lookup)",
                "CREATE INDEX IF NOT EXISTS acme_objects_by_account ON acme_objects (kind, account_id, created_at)",
            ]
        ),
    ]

    /// A trigger function (migration 5) that advances `ocsp_epoch` and notifies its new value on
    /// `certctl_ocsp_epoch`, always or when `condition` holds.
    static func advancingFunction(_ name: String, when condition: String?) -> String {
        let advance = """
            UPDATE ocsp_epoch SET value = value + 1 RETURNING value INTO advanced;
            PERFORM pg_notify('certctl_ocsp_epoch', advanced::text);
            """
        let body = condition.map { "IF \($0) THEN\n\(advance)\nEND IF;" } ?? advance
        return """
            CREATE OR REPLACE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE advanced BIGINT;
            BEGIN
            \(body)
            RETURN NULL;
            END
            $$
            """
    }
}
