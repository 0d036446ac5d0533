import ConnectorAPI
import SwiftASN1
import X509

extension ACMEConnector {
    /// RFC 8555 §7.6: revokeCert signed by the account that ordered the certificate. The host records
    /// the revocation only after the CA accepted it; a CA that already considers it revoked is
    /// agreement, not an error.
    public func revoke(_ request: RevokeRequest) async throws {
        let der = try DERBytes.of(request.certificate)
        let payload = ACMEObjects.Revocation(certificate: Base64URL.encode(der), reason: request.reason.rawValue)
        try await client.operation("issuer \(id): ACME revocation") { deadline in
            try await withAccount(deadline: deadline) { account in
                let directory = try await client.directory(deadline: deadline)
                do {
                    _ = try await client.post(
                        directory.revokeCert, payload: payload, signer: .kid(account), context: "revoking the certificate",
                        deadline: deadline)
                } catch let problem as ACMEProblem where problem.name == "alreadyRevoked" {
                    return
                }
            }
        }
    }
}
