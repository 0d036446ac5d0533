import Foundation
import X509

/// A revocation the host is about to record, passed to ``IssuerConnector/revoke(_:)``.
public struct RevokeRequest: Sendable {
    /// The certificate being revoked.
    public var certificate: Certificate
    /// The RFC 5280 reason.
    public var reason: RevocationReason
    /// When the host records the revocation.
    public var revokedAt: Date

    /// - Parameters:
    ///   - certificate: the certificate being revoked.
    ///   - reason: the RFC 5280 reason.
    ///   - revokedAt: when the host records the revocation.
    public init(certificate: Certificate, reason: RevocationReason, revokedAt: Date) {
        self.certificate = certificate
        self.reason = reason
        self.revokedAt = revokedAt
    }
}
