import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// Issue, read, list and revoke certificates. The one place the API, the bootstrapper and the CLI
/// go through, so validation, storage and audit are the same for all of them.
public struct CertificateService: Sendable {
    let storage: any CertificateStore
    let issuers: IssuerDirectory
    let publicBaseURL: String
    let metrics: HostMetrics
    /// Told after a revocation committed, before `revoke` returns (the CRL scheduler regenerates
    /// that issuer's CRL; OCSP memory forgets the serial).
    let onRevoked: @Sendable (CertificateRecord) -> Void

    /// Clock-skew allowance: notBefore is set this far in the past.
    static let backdate: TimeInterval = 60

    public init(
        storage: any CertificateStore, issuers: IssuerDirectory, publicBaseURL: String, metrics: HostMetrics = HostMetrics(),
        onRevoked: @escaping @Sendable (CertificateRecord) -> Void = { _ in }
    ) {
        self.storage = storage
        self.issuers = issuers
        self.publicBaseURL = publicBaseURL
        self.metrics = metrics
        self.onRevoked = onRevoked
    }

    /// Validates the CSR, has the issuer's connector sign it and stores the certificate together
    /// with its `cert_issued` audit row.
    public func issue(issuerID: String, csrPEM: String, validityDays: Int?, actor: String, now: Date = Date()) async throws
        -> CertificateRecord
    {
        do {
            let record = try await issueUnmetered(issuerID: issuerID, csrPEM: csrPEM, validityDays: validityDays, actor: actor, now: now)
            metrics.increment(.issuance, "issued")
            return record
        } catch {
            metrics.increment(.issuance, "refused")
            throw error
        }
    }

    private func issueUnmetered(issuerID: String, csrPEM: String, validityDays: Int?, actor: String, now: Date) async throws
        -> CertificateRecord
    {
        guard let issuer = issuers[issuerID] else {
            throw HostError(.unprocessable, "unknown issuer_id '\(issuerID)'")
        }
        let csr = try CSRValidator.validate(pem: csrPEM)
        let validity = try validitySeconds(days: validityDays, issuer: issuer.settings)
        let request = IssueRequest(
            csr: csr,
            notBefore: now.addingTimeInterval(-Self.backdate),
            notAfter: now.addingTimeInterval(TimeInterval(validity)),
            publicationURLs: publicationURLs(for: issuer)
        )
        let response: IssueResponse
        do {
            response = try await issuer.connector.issue(request)
        } catch let error as ConnectorError {
            throw HostError(connectorError: error)
        }
        let record = try CertificateRecord(issued: response, issuerID: issuerID, actor: actor, now: now)
        let audit = AuditEntry(
            occurredAt: now, actor: actor, action: AuditAction.certIssued, target: "certificate:\(record.id)",
            detail: ["issuer_id": issuerID, "serial": record.serial, "subject": record.subject, "not_after": record.notAfter.rfc3339]
        )
        return try await storage.insertCertificate(record, audit: audit)
    }

    public func certificate(id: String) async throws -> CertificateRecord {
        guard let record = try await storage.certificate(id: id) else {
            throw HostError(.notFound, "no certificate with id \(id)")
        }
        return record
    }

    public func list(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        try await storage.certificates(query)
    }

    /// Revokes a certificate: the connector is told first (a remote CA may refuse), then the host
    /// records the revocation and its `cert_revoked` audit row in one transaction.
    public func revoke(id: String, reason: RevocationReason, actor: String, now: Date = Date()) async throws -> CertificateRecord {
        do {
            let record = try await revokeUnmetered(id: id, reason: reason, actor: actor, now: now)
            metrics.increment(.revocation, "revoked")
            onRevoked(record)
            return record
        } catch {
            metrics.increment(.revocation, "refused")
            throw error
        }
    }

    private func revokeUnmetered(id: String, reason: RevocationReason, actor: String, now: Date) async throws -> CertificateRecord {
        guard reason.isAcceptedForRevocation else {
            throw HostError(.unprocessable, "reason \(reason.name) is not accepted: revocation in certctl is final")
        }
        let record = try await certificate(id: id)
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

    func validitySeconds(days: Int?, issuer: IssuerSettings) throws -> Int64 {
        guard let days else { return issuer.defaultValiditySeconds }
        guard days >= 1 else { throw HostError(.badRequest, "validity_days must be a positive integer") }
        let maxDays = issuer.maxValiditySeconds / 86_400
        guard Int64(days) <= maxDays else {
            throw HostError(.unprocessable, "validity_days \(days) is over issuer \(issuer.id)'s maximum of \(maxDays) days")
        }
        return Int64(days) * 86_400
    }

    /// URLs under `CERTCTL_PUBLIC_BASE_URL` that this host serves for `issuer`: always the CA
    /// certificate; OCSP and CRL only when the host can sign them (the connector exposes a signer).
    func publicationURLs(for issuer: LoadedIssuer) -> PublicationURLs {
        let base = "\(publicBaseURL)/.well-known/pki"
        let signs = issuer.signing != nil
        return PublicationURLs(
            caIssuers: "\(base)/ca/\(issuer.id)",
            ocsp: signs ? "\(base)/ocsp/\(issuer.id)" : nil,
            crlDistributionPoint: signs ? "\(base)/crl/\(issuer.id)" : nil
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
