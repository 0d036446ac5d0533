import ConnectorAPI
import Foundation
import SwiftASN1
import X509

extension ACMEService {
    /// revokeCert (RFC 8555 §7.6): signed by the account that ordered the certificate, by an account
    /// holding valid authorizations for every name in it, or with the certificate's own key (`jwk`).
    /// The revocation is the host's (``CertificateService/revoke(id:reason:actor:scope:now:)``): the
    /// same audit, CRL and OCSP as a REST revocation, and visible there.
    func revoke(_ auth: Authenticated, urls: ACMEURLs) async throws {
        let payload = try auth.request.payloadObject()
        guard let text = payload["certificate"] as? String, let der = JOSEBase64.decode(text),
            let certificate = try? Certificate(derEncoded: der)
        else { throw ACMEProblem(.malformed, "'certificate' must be the base64url DER of a certificate") }
        let code = payload["reason"] as? Int ?? 0
        guard let reason = RevocationReason(rawValue: code), reason.isAcceptedForRevocation else {
            throw ACMEProblem(.badRevocationReason, "reason \(code) is not accepted (RFC 5280 codes 0-6, 8-10; not 7 or removeFromCRL)")
        }
        let serial = certificate.serialNumber.hexString
        let candidates = try await storage.certificates(CertificateQuery(serial: serial, limit: 10, now: now()))
        guard
            let record = candidates.first(where: {
                (try? Certificate(pemEncoded: $0.certificatePEM))?.serialNumber == certificate.serialNumber
                    && (try? Certificate(pemEncoded: $0.certificatePEM)) == certificate
            })
        else { throw ACMEProblem(.malformed, "this server did not issue that certificate", status: 404) }
        let actor: String
        if auth.account == nil {
            guard auth.key.matches(certificate.publicKey) else {
                throw ACMEProblem(.unauthorized, "a revocation signed with 'jwk' must use the certificate's own key")
            }
            actor = "acme:certificate-key"
        } else if let account = auth.account, record.requestedBy == "acme:\(account.id)" {
            actor = "acme:\(account.id)"
        } else if let account = auth.account, try await holdsAuthorizations(accountID: account.id, for: record) {
            actor = "acme:\(account.id)"
        } else {
            throw ACMEProblem(
                .unauthorized, "this account neither ordered the certificate nor holds valid authorizations for all its names")
        }
        do {
            _ = try await certificates.revoke(id: record.id, reason: reason, actor: actor)
        } catch let error as HostError where error.code == .conflict {
            throw ACMEProblem(.alreadyRevoked, "the certificate is already revoked")
        } catch let error as HostError {
            throw Self.problem(error)
        }
        metrics.increment(.acme, "revoked")
    }

    /// Whether `accountID` holds a valid, unexpired authorization for every DNS/IP name of `record`.
    func holdsAuthorizations(accountID: String, for record: CertificateRecord) async throws -> Bool {
        for san in record.sans {
            let identifier: ACMEIdentifier
            if san.hasPrefix("DNS:") {
                identifier = ACMEIdentifier(type: "dns", value: String(san.dropFirst(4)))
            } else if san.hasPrefix("IP:") {
                identifier = ACMEIdentifier(type: "ip", value: String(san.dropFirst(3)))
            } else {
                return false
            }
            guard try await reusableAuthorization(identifier, accountID: accountID, now: now()) != nil else { return false }
        }
        return !record.sans.isEmpty
    }
}
