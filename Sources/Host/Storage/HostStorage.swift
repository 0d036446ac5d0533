import ConnectorAPI
import Foundation

/// Everything the host persists. Each mutating call is one transaction that also writes its audit
/// row, so a state change and its audit record land together or not at all.
///
/// Implementations: ``SQLiteStorage`` (embedded default) and ``PostgresStorage``. Schema
/// migrations are versioned in code.
public protocol HostStorage: Sendable {
    /// Runs what the storage needs in the background (PostgreSQL's connection pool) until the task
    /// is cancelled. ``HostRuntime/withStorage(_:_:)`` runs it next to the storage's users.
    func run() async

    /// Creates or upgrades the schema. Idempotent.
    func migrate() async throws
    /// Succeeds when the database answers.
    func ping() async throws

    func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord
    func certificate(id: String) async throws -> CertificateRecord?
    /// At most `query.limit` rows, newest first.
    func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord]
    /// Marks a certificate revoked unless it already is, decided atomically; in the same transaction
    /// the serial's cached OCSP response is deleted, so no stale "good" can be served afterwards.
    func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome

    func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws
    func apiKey(id: String) async throws -> APIKeyRecord?
    func apiKeys() async throws -> [APIKeyRecord]
    /// Sets the admin flag; `false` when no such (unrevoked) key exists.
    func promoteAPIKey(id: String, audit: AuditEntry) async throws -> Bool
    /// Revokes a key; `false` when no such (unrevoked) key exists.
    func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> Bool

    // MARK: CRL

    /// The next CRL number for an issuer: strictly increasing, persisted, never handed out twice,
    /// and at least `floor` (the host passes the time in milliseconds, so numbers keep increasing
    /// even after the database is restored from a backup or the counter row is lost).
    func allocateCRLNumber(issuerID: String, atLeast floor: Int64) async throws -> Int64
    /// Revoked certificates of an issuer that have not expired at `at`, encoded as CRL entries
    /// while the rows are read (in revocation-time order).
    func revokedEntries(issuerID: String, notExpiredAt at: Date) async throws -> RevokedEntries
    /// Stores a newly signed CRL (unless a higher-numbered one is already stored) and its event.
    func storeCRL(_ crl: StoredCRL) async throws
    func latestCRL(issuerID: String) async throws -> StoredCRL?
    func recordCRLEvent(_ event: CRLGenerationEvent) async throws
    /// Newest first.
    func crlEvents(issuerID: String, limit: Int) async throws -> [CRLGenerationEvent]

    // MARK: OCSP

    /// `nil` when this issuer never issued `serial` (lower-case hex, no leading zeros).
    func serialStatus(issuerID: String, serial: String) async throws -> SerialStatus?
    func currentResponder(issuerID: String) async throws -> ResponderRecord?
    /// Records a new responder certificate and its `ocsp_responder_rotated` audit row.
    func insertResponder(_ responder: ResponderRecord, audit: AuditEntry) async throws
    /// A cached response still valid at `now`.
    func cachedOCSPResponse(issuerID: String, serial: String, certIDKey: String, now: Date) async throws -> CachedOCSPResponse?
    /// Stores a response for a serial this issuer issued, unless the certificate's revocation state
    /// no longer matches the one the response was signed with (a revocation raced it).
    func storeOCSPResponse(_ response: CachedOCSPResponse, signedAsRevoked: Bool) async throws
    /// Drops cached responses that expired before `now`; returns how many.
    func pruneOCSPCache(now: Date) async throws -> Int

    // MARK: Coordination between instances

    /// Runs `body` while holding the database-wide lock `name`, so that across every host instance
    /// on this database at most one runs it at a time. With `wait: false` returns `nil` at once when
    /// another instance holds the lock. The lock is released when `body` ends, or by the database when
    /// the instance dies. (SQLite has one instance per file: the body just runs.)
    func withExclusiveLock<T: Sendable>(_ name: ExclusiveLock, wait: Bool, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?

    /// Appends an audit row for an event that changes no other state.
    func appendAudit(_ entry: AuditEntry) async throws
    /// At most `limit` rows, newest first, with `seq` below `beforeSeq` when given.
    func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry]
}

/// Database-wide locks that serialise work across host instances.
public enum ExclusiveLock: Int64, Sendable {
    /// One scheduler pass (CRL generation, responder rotation, cache pruning) at a time.
    case schedulerPass = 0x6365_7274_0001
    /// One OCSP responder bootstrap or rotation at a time.
    case responderRotation = 0x6365_7274_0002
}
