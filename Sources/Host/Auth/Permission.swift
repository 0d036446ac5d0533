/// What a route needs (SPEC §7), decided in one table for every front-end: ``APIKeyRole/allows(_:)``.
public enum Permission: String, Sendable, CaseIterable {
    /// `POST /api/v1/certificates` (through the key's profiles).
    case issue
    /// Read and list certificates (a `client` only its own).
    case readCertificates
    /// Revoke certificates (a `client` only its own).
    case revokeCertificates
    /// PEM and PKCS#12 exports (a `client` only its own).
    case exportCertificates
    /// `GET /api/v1/issuers` (operators and clients see their profiles' issuers).
    case listIssuers
    /// `GET /api/v1/audit`.
    case readAudit
    /// `GET /api/v1/admin/crl/cache`.
    case readCRLCache
    /// `GET /api/v1/metrics/prometheus`.
    case readMetrics
    /// The key API (`/api/v1/admin/keys…`).
    case manageKeys
    /// ACME external account binding credentials and accounts (`/api/v1/admin/acme/…`).
    case manageACME
}

extension APIKeyRole {
    /// Whether a key of this role may use a route that needs `permission`.
    public func allows(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _): true
        case (.operator, .issue), (.operator, .readCertificates), (.operator, .revokeCertificates), (.operator, .exportCertificates),
            (.operator, .listIssuers), (.operator, .readMetrics):
            true
        case (.client, .issue), (.client, .readCertificates), (.client, .revokeCertificates), (.client, .exportCertificates),
            (.client, .listIssuers):
            true
        case (.auditor, .readCertificates), (.auditor, .readAudit), (.auditor, .readCRLCache), (.auditor, .readMetrics):
            true
        default: false
        }
    }
}
