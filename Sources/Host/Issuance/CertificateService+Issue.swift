import ConnectorAPI
import Foundation
import X509

extension CertificateService {
    /// Decides `request` for `requester`, has the issuer's connector issue what the policy
    /// approved, checks what a passthrough connector returned, and stores the certificate with its
    /// `cert_issued` audit row.
    ///
    /// A policy refusal writes no certificate row: it is counted in
    /// `certctl_policy_counter_total{label=<rule>}` and audited as `cert_issue_denied` (throttled per
    /// requester), `cert_issue_lint_failed` or `cert_upstream_mismatch`.
    public func issue(_ request: IssuanceRequest, by requester: Requester, now: Date = Date()) async throws -> CertificateRecord {
        var profileID = request.profile
        var resolvedIssuerID = request.issuerID
        do {
            let (profile, issuerID) = try policy.resolve(
                requester, profile: request.profile, issuer: request.issuerID, issuerIDs: issuers.order)
            profileID = profile.id
            resolvedIssuerID = issuerID
            let record = try await issue(request, profile: profile, issuerID: issuerID, by: requester, now: now)
            metrics.increment(.issuance, "issued")
            return record
        } catch let refusal as PolicyRefusal {
            metrics.increment(.issuance, "refused")
            metrics.increment(.policy, refusal.rule.rawValue)
            try await audit(refusal, profile: profileID, issuerID: resolvedIssuerID, requester: requester, now: now)
            throw refusal.hostError
        } catch {
            metrics.increment(.issuance, "refused")
            throw error
        }
    }

    private func issue(_ request: IssuanceRequest, profile: IssuanceProfile, issuerID: String, by requester: Requester, now: Date)
        async throws -> CertificateRecord
    {
        guard let issuer = issuers[issuerID] else { throw PolicyRefusal(.unknownIssuer, value: issuerID, "unknown issuer_id") }
        let limitKey = profile.issuanceRateLimitPerKeyMinute == nil ? requester.actor : "\(requester.actor) \(profile.id)"
        if case .limited(let retryAfter) = issuanceLimiter.acquire(limitKey, limit: profile.issuanceRateLimitPerKeyMinute) {
            metrics.increment(.ratelimit, "issuance")
            let seconds = max(1, Int(retryAfter.components.seconds) + 1)
            throw HostError.tooManyRequests("issuance rate limit reached for this key; retry in \(seconds) s", retryAfterSeconds: seconds)
        }
        if let problem = issuer.caProblem(now: now) { throw HostError(.unavailable, "issuer \(issuerID): \(problem)") }
        if let days = request.validityDays, days < 1 { throw HostError(.badRequest, "validity_days must be a positive integer") }
        let csr = try CSRValidator.validate(pem: request.csrPEM)
        let chain = issuer.signing == nil ? nil : try await issuer.connector.caChain()
        let approval = try IssuancePolicy.approve(
            csr, profile: profile, issuer: issuer.settings, validityDays: request.validityDays, caChain: chain)
        let issueRequest = IssueRequest(
            csr: csr, subject: approval.subject, subjectAlternativeNames: approval.subjectAlternativeNames,
            extendedKeyUsage: approval.extendedKeyUsage, notBefore: now.addingTimeInterval(-Self.backdate),
            notAfter: now.addingTimeInterval(TimeInterval(approval.validitySeconds)), publicationURLs: publicationURLs(for: issuer))
        let response: IssueResponse
        do {
            response = try await issuer.connector.issue(issueRequest)
        } catch let error as ConnectorError where error.code == .preIssuanceCheckFailed {
            throw PolicyRefusal(.preIssuanceCheck, value: "", "issuer \(issuerID): \(error.message); nothing was signed")
        } catch let error as ConnectorError {
            throw HostError(connectorError: error)
        }
        if issuer.signing == nil {
            try UpstreamCheck.verify(response.certificate, csr: csr, approval: approval, issuerID: issuerID, now: now)
        }
        var record = try CertificateRecord(issued: response, issuerID: issuerID, actor: requester.actor, now: now)
        record.profile = profile.id
        let audit = AuditEntry(
            occurredAt: now, actor: requester.actor, action: AuditAction.certIssued, target: "certificate:\(record.id)",
            detail: [
                "issuer_id": issuerID, "profile": profile.id, "serial": record.serial, "subject": record.subject,
                "not_after": record.notAfter.rfc3339,
            ]
        )
        return try await storage.insertCertificate(record, audit: audit)
    }

    /// The audit row of a refusal: `cert_issue_lint_failed` and `cert_upstream_mismatch` always,
    /// `cert_issue_denied` within the per-requester throttle.
    private func audit(_ refusal: PolicyRefusal, profile: String?, issuerID: String?, requester: Requester, now: Date) async throws {
        var detail = ["rule": refusal.rule.rawValue, "value": refusal.value, "detail": refusal.detail]
        if let profile { detail["profile"] = profile }
        if let issuerID { detail["issuer_id"] = issuerID }
        let action: String
        switch refusal.rule {
        case .preIssuanceCheck: action = AuditAction.certIssueLintFailed
        case .upstreamMismatch: action = AuditAction.certUpstreamMismatch
        default:
            guard let suppressed = refusalAudit.admit(requester.actor) else { return }
            if suppressed > 0 { detail["suppressed"] = String(suppressed) }
            action = AuditAction.certIssueDenied
        }
        try await storage.appendAudit(
            AuditEntry(occurredAt: now, actor: requester.actor, action: action, target: "issuer:\(issuerID ?? "-")", detail: detail))
    }
}
