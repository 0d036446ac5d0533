import Foundation
import SwiftASN1
import X509

extension ACMEService {
    // MARK: Challenges

    /// A challenge response (RFC 8555 §7.5.1): validated now, while the client waits (bounded by the
    /// validator's timeouts), so any instance can answer the authorization poll that follows. The
    /// challenge and its authorization become `valid` or `invalid` together, audited.
    func respond(_ auth: Authenticated, authorizationID: String, index: Int, settings: ACMEProfileSettings) async throws -> (
        ACMEObjectRecord, ACMEChallenge
    ) {
        var record = try await owned(.authorization, id: authorizationID, by: auth)
        var authorization = try ACMEJSON.decode(ACMEAuthorization.self, record.body)
        guard authorization.challenges.indices.contains(index) else { throw ACMEProblem.notFound("challenge") }
        guard authorizationStatus(record) == "pending", authorization.challenges[index].status == "pending" else {
            return (record, authorization.challenges[index])
        }
        let account = try ACMEJSON.decode(ACMEAccount.self, auth.account?.body ?? "{}")
        let thumbprint = try JWK(canonicalJSON: account.jwk).thumbprint
        let challenge = authorization.challenges[index]
        var problem = await validator.validate(challenge, identifier: authorization.identifier, thumbprint: thumbprint)
        if problem == nil, !settings.caaIdentities.isEmpty, authorization.identifier.type == "dns" {
            problem = await CAACheck(dns: validator.dns, identities: settings.caaIdentities).problem(
                name: authorization.identifier.value, wildcard: authorization.wildcard)
        }
        let current = now()
        authorization.challenges[index].status = problem == nil ? "valid" : "invalid"
        authorization.challenges[index].validated = problem == nil ? current : nil
        authorization.challenges[index].error = problem.map(ACMEProblemBody.init)
        record.status = problem == nil ? "valid" : "invalid"
        record.body = try ACMEJSON.encode(authorization)
        record.version += 1
        let action = problem == nil ? AuditAction.acmeChallengeValidated : AuditAction.acmeChallengeFailed
        var detail = ["type": challenge.type, "identifier": authorization.identifier.value]
        if let problem { detail["error"] = problem.detail }
        guard
            try await storage.updateACMEObjects(
                [record],
                audit: AuditEntry(
                    occurredAt: current, actor: "acme:\(record.accountID ?? "")", action: action, target: "acme-authz:\(record.id)",
                    detail: detail))
        else {
            // Another instance decided it meanwhile: answer with what it decided.
            let stored = try await owned(.authorization, id: authorizationID, by: auth)
            return (stored, try ACMEJSON.decode(ACMEAuthorization.self, stored.body).challenges[index])
        }
        metrics.increment(.acme, problem == nil ? "challenge_valid" : "challenge_invalid")
        return (record, authorization.challenges[index])
    }

    // MARK: Finalize

    /// finalize (RFC 8555 §7.4): a `ready` order, a CSR naming exactly the order's identifiers, and
    /// issuance through the host's one decision (policy again, limits, audit, storage) as
    /// `acme:<account>` under the directory's profile.
    func finalize(_ auth: Authenticated, orderID: String, profile: IssuanceProfile) async throws -> ACMEObjectRecord {
        var record = try await owned(.order, id: orderID, by: auth)
        var order = try ACMEJSON.decode(ACMEOrder.self, record.body)
        let status = try await orderStatus(record, order)
        guard status == "ready" else { throw ACMEProblem(.orderNotReady, "order \(orderID) is \(status), not ready") }
        let payload = try auth.request.payloadObject()
        guard let text = payload["csr"] as? String, let der = JOSEBase64.decode(text) else {
            throw ACMEProblem(.malformed, "'csr' must be the base64url DER of a PKCS#10 request")
        }
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: der)
        } catch {
            throw ACMEProblem(.badCSR, "the CSR is not a valid PKCS#10 request")
        }
        try Self.checkNames(csr, order: order)
        let pem = PEMText.encode(der, label: "CERTIFICATE REQUEST")
        let accountID = auth.account?.id ?? ""
        let certificate: CertificateRecord
        do {
            certificate = try await certificates.issue(
                IssuanceRequest(csrPEM: pem, profile: profile.id), by: Requester(actor: "acme:\(accountID)", profiles: [profile.id]))
        } catch let refusal as PolicyRefusal {
            metrics.increment(.acme, "finalize_refused")
            throw ACMEProblem(refusal.rule == .keyType ? .badCSR : .rejectedIdentifier, refusal.detail)
        } catch let error as HostError {
            metrics.increment(.acme, "finalize_refused")
            throw Self.problem(error)
        }
        order.certificateID = certificate.id
        record.status = "valid"
        record.body = try ACMEJSON.encode(order)
        record.version += 1
        _ = try await storage.updateACMEObjects(
            [record],
            audit: AuditEntry(
                occurredAt: now(), actor: "acme:\(accountID)", action: AuditAction.acmeOrderFinalized, target: "acme-order:\(orderID)",
                detail: ["certificate_id": certificate.id, "serial": certificate.serial]))
        metrics.increment(.acme, "finalized")
        return record
    }

    /// The CSR's DNS/IP SANs (and CN, if any) must be exactly the order's identifiers.
    static func checkNames(_ csr: CertificateSigningRequest, order: ACMEOrder) throws(ACMEProblem) {
        var requested = Set<ACMEIdentifier>()
        let sans = (try? csr.attributes.extensionRequest?.extensions.subjectAlternativeNames).flatMap { $0 }
        for name in sans ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let text): requested.insert(ACMEIdentifier(type: "dns", value: text.lowercased()))
            case .ipAddress(let octets):
                guard let address = try? IPAddress(octets: Array(octets.bytes)) else {
                    throw ACMEProblem(.badCSR, "the CSR has a malformed IP address")
                }
                requested.insert(ACMEIdentifier(type: "ip", value: address.description))
            default: throw ACMEProblem(.badCSR, "the CSR has a subjectAltName that is not a DNS name or IP address: \(name)")
            }
        }
        let ordered = Set(order.identifiers)
        for rdn in csr.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                let text = (String(attribute.value) ?? "").lowercased()
                guard ordered.contains(where: { $0.value == text }) else {
                    throw ACMEProblem(.badCSR, "the CSR's CN \(text) is not one of the order's identifiers")
                }
            }
        }
        guard requested == ordered else {
            let extra = requested.subtracting(ordered).map(\.value).sorted()
            let missing = ordered.subtracting(requested).map(\.value).sorted()
            throw ACMEProblem(
                .badCSR,
                "the CSR's names must be the order's identifiers"
                    + (extra.isEmpty ? "" : "; not in the order: \(extra.joined(separator: ", "))")
                    + (missing.isEmpty ? "" : "; missing: \(missing.joined(separator: ", "))"))
        }
    }

    static func problem(_ error: HostError) -> ACMEProblem {
        switch error.code {
        case .badRequest: ACMEProblem(.badCSR, error.message)
        case .unprocessable: ACMEProblem(.badCSR, error.message)
        case .forbidden: ACMEProblem(.rejectedIdentifier, error.message)
        case .tooManyRequests: ACMEProblem(.rateLimited, error.message, retryAfterSeconds: error.retryAfterSeconds)
        case .unavailable, .badGateway, .gatewayTimeout: ACMEProblem(.serverInternal, error.message, status: 503)
        default: ACMEProblem(.serverInternal, "internal error")
        }
    }

    /// The certificate of an order of this account: leaf then chain, PEM.
    func certificatePEM(_ auth: Authenticated, id: String) async throws -> String {
        let accountID = auth.account?.id ?? ""
        let record: CertificateRecord
        do {
            record = try await certificates.certificate(id: id, scope: .requestedBy("acme:\(accountID)"))
        } catch {
            throw ACMEProblem.notFound("certificate")
        }
        return record.certificatePEM + record.chainPEM
    }
}
