import Foundation

/// Storage role: what the CRLs are made of and the CRLs themselves.
public protocol CRLStore: Sendable {
    /// The next CRL number for an issuer: strictly increasing, persisted, never handed out twice,
    /// and at least `floor` (the host passes the time in milliseconds, so numbers keep increasing
    /// even after the database is restored from a backup or the counter row is lost).
    func allocateCRLNumber(issuerID: String, atLeast floor: Int64) async throws -> Int64

    /// Revoked certificates of an issuer that have not expired at `at`, encoded as CRL entries
    /// while the rows are read (in revocation-time order).
    func revokedEntries(issuerID: String, notExpiredAt at: Date) async throws -> RevokedEntries

    /// Stores a newly signed CRL unless a higher-numbered one is already stored.
    func storeCRL(_ crl: StoredCRL) async throws

    func latestCRL(issuerID: String) async throws -> StoredCRL?

    /// The number of the newest stored CRL (one indexed integer, not the CRL): whether the copy in
    /// memory is still the newest, checked on every CRL request.
    func latestCRLNumber(issuerID: String) async throws -> Int64?

    func recordCRLEvent(_ event: CRLGenerationEvent) async throws

    /// Newest first.
    func crlEvents(issuerID: String, limit: Int) async throws -> [CRLGenerationEvent]
}
