import Foundation

/// Storage role: the ACME server's nonces and objects (accounts, orders, authorizations, EAB
/// credentials), shared by every instance on one database.
public protocol ACMEStore: Sendable {
    /// Records a nonce this server handed out.
    func insertNonce(_ nonce: String, expiresAt: Date) async throws
    /// Uses a nonce up: `true` exactly once for a nonce that was handed out and has not expired.
    func consumeNonce(_ nonce: String, now: Date) async throws -> Bool

    /// Stores new objects (and their audit row, when given) in one transaction.
    func insertACMEObjects(_ records: [ACMEObjectRecord], audit: AuditEntry?) async throws
    /// Replaces objects read at `version - 1` with these (`version` already incremented), and
    /// writes the audit row, in one transaction; `false` (nothing written) when any of them changed
    /// in between.
    func updateACMEObjects(_ records: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool

    func acmeObject(_ kind: ACMEObjectRecord.Kind, id: String) async throws -> ACMEObjectRecord?
    /// Objects of `kind` with this ``ACMEObjectRecord/lookup``, newest first.
    func acmeObjects(_ kind: ACMEObjectRecord.Kind, lookup: String) async throws -> [ACMEObjectRecord]
    /// Objects of `kind`, newest first, up to `limit` (the admin lists).
    func acmeObjects(_ kind: ACMEObjectRecord.Kind, limit: Int) async throws -> [ACMEObjectRecord]
    /// How many objects of `kind` `accountID` created since `since` (the order rate limit).
    func countACMEObjects(_ kind: ACMEObjectRecord.Kind, accountID: String, since: Date) async throws -> Int
}
