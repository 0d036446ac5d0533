import Foundation

/// One audit row: who did what to which resource, when, with details.
public struct AuditEntry: Sendable, Hashable {
    /// Insertion order; the audit list cursor. 0 before the row is stored.
    public var seq: Int64
    public var occurredAt: Date
    /// `apikey:<key id>`, `cli`, or `system`.
    public var actor: String
    /// e.g. `cert_issued`, `cert_revoked`, `api_key_created`.
    public var action: String
    /// The resource acted on, e.g. `certificate:<id>`, `api_key:<id>`.
    public var target: String
    public var detail: [String: String]

    public init(seq: Int64 = 0, occurredAt: Date, actor: String, action: String, target: String, detail: [String: String] = [:]) {
        self.seq = seq
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

/// Audit action names (SPEC §6).
public enum AuditAction {
    public static let certIssued = "cert_issued"
    public static let certRevoked = "cert_revoked"
    public static let apiKeyCreated = "api_key_created"
    public static let apiKeyPromoted = "api_key_promoted"
    /// A key's role, profiles or expiry changed (other than a promotion to admin).
    public static let apiKeyUpdated = "api_key_updated"
    /// An issuance refused by policy (throttled per key; see ``IssuancePolicy``).
    public static let certIssueDenied = "cert_issue_denied"
    /// A pre-issuance check found a problem in a to-be-signed certificate; nothing was signed.
    public static let certIssueLintFailed = "cert_issue_lint_failed"
    /// A passthrough CA returned a certificate that differs from what was asked; nothing was stored.
    public static let certUpstreamMismatch = "cert_upstream_mismatch"
    public static let apiKeyRevoked = "api_key_revoked"
    public static let caInitialized = "ca_initialized"
    public static let ocspResponderRotated = "ocsp_responder_rotated"
    public static let certExportPEM = "cert_export_pem"
    public static let certExportPKCS12 = "cert_export_pkcs12"
    public static let certExportFailed = "cert_export_failed"
    /// The ACME server (docs/acme-server.md): an account created or changed, an order created,
    /// a challenge decided, an order finalized.
    public static let acmeAccountCreated = "acme_account_created"
    public static let acmeAccountUpdated = "acme_account_updated"
    public static let acmeOrderCreated = "acme_order_created"
    public static let acmeChallengeValidated = "acme_challenge_validated"
    public static let acmeChallengeFailed = "acme_challenge_failed"
    public static let acmeOrderFinalized = "acme_order_finalized"
    public static let acmeEABCreated = "acme_eab_created"
    public static let acmeEABRevoked = "acme_eab_revoked"
    public static let acmeAccountDeactivated = "acme_account_deactivated"
}
