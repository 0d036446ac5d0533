import Foundation

/// Storage role: the ACME server's nonces and objects (accounts, orders, authorizations, EAB
/// credentials), shared by every instance on one database.
public protocol ACMEStore: Sendable {
    /// Records a nonce this server handed out.
    func insertNonce(_ nonce: String, expiresAt: Date) async throws
    /// Uses a nonce up: `true` exactly once for a nonce that was handed out and has not expired.
    func consumeNonce(_ nonce: String, now: Date) async throws -> Bool

    /// In one transaction: inserts `insert`, replaces each of `update` read at `version - 1` (its
    /// `version` already incremented), and writes the audit row. `false`, with nothing written, when
    /// any of `update` changed in between.
    func writeACMEObjects(insert: [ACMEObjectRecord], update: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool

    func acmeObject(_ kind: ACMEObjectRecord.Kind, id: String) async throws -> ACMEObjectRecord?
    /// Objects of `kind` with this ``ACMEObjectRecord/lookup``, newest first.
    func acmeObjects(_ kind: ACMEObjectRecord.Kind, lookup: String) async throws -> [ACMEObjectRecord]
    /// Objects of `kind`, newest first, up to `limit` (the admin lists).
    func acmeObjects(_ kind: ACMEObjectRecord.Kind, limit: Int) async throws -> [ACMEObjectRecord]
    /// How many objects of `kind` `accountID` created since `since` (the order rate limit).
    func countACMEObjects(_ kind: ACMEObjectRecord.Kind, accountID: String, since: Date) async throws -> Int
}

extension ACMEStore {
    /// Stores new objects (and their audit row, when given) in one transaction.
    public func insertACMEObjects(_ records: [ACMEObjectRecord], audit: AuditEntry?) async throws {
        _ = try await writeACMEObjects(insert: records, update: [], audit: audit)
    }

    /// Replaces objects read at `version - 1` (see ``writeACMEObjects(insert:update:audit:)``).
    public func updateACMEObjects(_ records: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool {
        try await writeACMEObjects(insert: [], update: records, audit: audit)
    }
}
