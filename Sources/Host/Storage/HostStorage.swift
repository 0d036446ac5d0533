import ConnectorAPI
import Foundation

/// Everything the host persists. Each mutating call is one transaction that also writes its audit
/// row, so a state change and its audit record land together or not at all.
///
/// Implementations: ``SQLiteStorage`` (embedded default). Schema migrations are versioned in code.
public protocol HostStorage: Sendable {
    /// Creates or upgrades the schema. Idempotent.
    func migrate() async throws
    /// Succeeds when the database answers.
    func ping() async throws

    func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord
    func certificate(id: String) async throws -> CertificateRecord?
    /// At most `query.limit` rows, newest first.
    func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord]
    /// Marks a certificate revoked unless it already is; decided atomically.
    func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome

    func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws
    func apiKey(id: String) async throws -> APIKeyRecord?
    func apiKeys() async throws -> [APIKeyRecord]
    /// Sets the admin flag; `false` when no such (unrevoked) key exists.
    func promoteAPIKey(id: String, audit: AuditEntry) async throws -> Bool
    /// Revokes a key; `false` when no such (unrevoked) key exists.
    func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> Bool

    /// Appends an audit row for an event that changes no other state.
    func appendAudit(_ entry: AuditEntry) async throws
    /// At most `limit` rows, newest first, with `seq` below `beforeSeq` when given.
    func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry]
}
