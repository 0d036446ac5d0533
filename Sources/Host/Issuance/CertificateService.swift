import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// Issue, read, list and revoke certificates. The one place the API, the bootstrapper, the CLI
/// and every later front-end go through, so policy, limits, storage and audit are the same for all.
public struct CertificateService: Sendable {
    let storage: any CertificateStore & AuditLog
    let issuers: IssuerDirectory
    let publicBaseURL: String
    let metrics: HostMetrics
    /// Profiles and their resolution (SPEC §7).
    let policy: IssuancePolicy
    /// `CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN`, per requester (a profile may override it).
    let issuanceLimiter: FixedWindowLimiter<ContinuousClock>
    let refusalAudit: RefusalAuditThrottle
    /// Told after a revocation committed, before `revoke` returns (the CRL scheduler regenerates
    /// that issuer's CRL; OCSP memory forgets the serial).
    let onRevoked: @Sendable (CertificateRecord) -> Void

    /// Clock-skew allowance: notBefore is set this far in the past.
    static let backdate: TimeInterval = 60

    /// - Parameters:
    ///   - policy: the profiles; by default the development profile alone.
    ///   - issuanceLimiter: by default unlimited.
    init(
        storage: any CertificateStore & AuditLog, issuers: IssuerDirectory, publicBaseURL: String, metrics: HostMetrics = HostMetrics(),
        policy: IssuancePolicy? = nil, issuanceLimiter: FixedWindowLimiter<ContinuousClock>? = nil,
        onRevoked: @escaping @Sendable (CertificateRecord) -> Void = { _ in }
    ) {
        self.storage = storage
        self.issuers = issuers
        self.publicBaseURL = publicBaseURL
        self.metrics = metrics
        self.policy = policy ?? IssuancePolicy(.development)
        self.issuanceLimiter = issuanceLimiter ?? FixedWindowLimiter(limit: 0, window: .seconds(60), clock: ContinuousClock())
        self.refusalAudit = RefusalAuditThrottle()
        self.onRevoked = onRevoked
    }

    /// - Parameter scope: a `client` key's scope answers another key's certificate as not found.
    public func certificate(id: String, scope: CertificateScope = .all) async throws -> CertificateRecord {
        guard let record = try await storage.certificate(id: id), scope.includes(record) else {
            throw HostError(.notFound, "no certificate with id \(id)")
        }
        return record
    }

    public func list(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        try await storage.certificates(query)
    }

    /// Revokes a certificate: the connector is told first (a remote CA may refuse), then the host
    /// records the revocation and its `cert_revoked` audit row in one transaction.
    public func revoke(id: String, reason: RevocationReason, actor: String, scope: CertificateScope = .all, now: Date = Date()) async throws
        -> CertificateRecord
    {
        do {
            let record = try await revokeUnmetered(id: id, reason: reason, actor: actor, scope: scope, now: now)
            metrics.increment(.revocation, "revoked")
            onRevoked(record)
            return record
        } catch {
            metrics.increment(.revocation, "refused")
            throw error
        }
    }

    private func revokeUnmetered(id: String, reason: RevocationReason, actor: String, scope: CertificateScope, now: Date) async throws
        -> CertificateRecord
    {
        guard reason.isAcceptedForRevocation else {
            throw HostError(.unprocessable, "reason \(reason.name) is not accepted: revocation in certctl is final")
        }
        let record = try await certificate(id: id, scope: scope)
        guard record.revokedAt == nil else { throw HostError(.conflict, "certificate \(id) is already revoked") }
        guard let issuer = issuers[record.issuerID] else {
            throw HostError(.unprocessable, "issuer \(record.issuerID) is no longer configured")
        }
        guard issuer.connector.capabilities.revoke else {
            throw HostError(.unprocessable, "issuer \(record.issuerID) does not support revocation")
        }
        do {
            let certificate = try Certificate(pemEncoded: record.certificatePEM)
            try await issuer.connector.revoke(RevokeRequest(certificate: certificate, reason: reason, revokedAt: now))
        } catch let error as ConnectorError {
            throw HostError(connectorError: error)
        }
        let audit = AuditEntry(
            occurredAt: now, actor: actor, action: AuditAction.certRevoked, target: "certificate:\(id)",
            detail: ["issuer_id": record.issuerID, "serial": record.serial, "reason": reason.name]
        )
        switch try await storage.revokeCertificate(id: id, at: now, reason: reason, audit: audit) {
        case .revoked(let revoked): return revoked
        case .alreadyRevoked: throw HostError(.conflict, "certificate \(id) is already revoked")
        case .notFound: throw HostError(.notFound, "no certificate with id \(id)")
        }
    }

    /// URLs under `CERTCTL_PUBLIC_BASE_URL` that this host serves for `issuer`: always the CA
    /// certificate; OCSP and CRL only when the host can sign them (the connector exposes a signer,
    /// and for the CRL its CA certificate allows cRLSign).
    func publicationURLs(for issuer: LoadedIssuer) -> PublicationURLs {
        let base = "\(publicBaseURL)/.well-known/pki"
        let signs = issuer.signing != nil
        return PublicationURLs(
            caIssuers: "\(base)/ca/\(issuer.id)",
            ocsp: signs ? "\(base)/ocsp/\(issuer.id)" : nil,
            crlDistributionPoint: issuer.publishesCRL ? "\(base)/crl/\(issuer.id)" : nil
        )
    }
}

extension HostError {
    /// The HTTP-facing classification of a connector failure.
    init(connectorError error: ConnectorError) {
        let code: Code
        switch error.code {
        case .rejected, .unsupported: code = .unprocessable
        case .unavailable: code = .unavailable
        case .timedOut: code = .gatewayTimeout
        case .upstreamFailure: code = .badGateway
        default: code = .internalFailure
        }
        self.init(code, error.message, file: error.file, line: error.line)
    }
}
