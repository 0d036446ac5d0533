import ConnectorAPI
import Foundation

/// Storage role: issued certificates and their revocation state.
public protocol CertificateStore: Sendable {
    /// Stores a new certificate and its `cert_issued` audit row in one transaction.
    /// - Throws: `HostError` `conflict` when the id or the issuer's serial is already stored.
    func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord

    func certificate(id: String) async throws -> CertificateRecord?

    /// At most `query.limit` rows, newest first.
    func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord]

    /// Marks a certificate revoked unless it already is, decided atomically; in the same transaction
    /// the serial's cached OCSP response is deleted, so no stale "good" can be served afterwards.
    func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome
}
