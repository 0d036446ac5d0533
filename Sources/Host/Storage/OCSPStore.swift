import Foundation

/// Storage role: what OCSP answers are made of, the responders that sign them and the pre-signed
/// responses. (Shared databases add the leases of ``OCSPEpochSource``.)
public protocol OCSPStore: Sendable {
    /// `nil` when this issuer never issued `serial` (lower-case hex, no leading zeros).
    func serialStatus(issuerID: String, serial: String) async throws -> SerialStatus?

    func currentResponder(issuerID: String) async throws -> ResponderRecord?

    /// Records a new responder certificate and its `ocsp_responder_rotated` audit row, and drops the
    /// issuer's pre-signed responses (they were signed by the old responder).
    func insertResponder(_ responder: ResponderRecord, audit: AuditEntry) async throws

    /// A cached response still valid at `now`.
    func cachedOCSPResponse(issuerID: String, serial: String, certIDKey: String, now: Date) async throws -> CachedOCSPResponse?

    /// Stores a response for a serial this issuer issued, unless the certificate's revocation state
    /// no longer matches the one the response was signed with (a revocation raced it).
    func storeOCSPResponse(_ response: CachedOCSPResponse, signedAsRevoked: Bool) async throws

    /// Drops cached responses that expired before `now`; returns how many.
    func pruneOCSPCache(now: Date) async throws -> Int
}
