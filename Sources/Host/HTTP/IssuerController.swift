import ConnectorAPI
import Hummingbird
import SwiftASN1
import X509

/// `GET /api/v1/issuers` (admin, operator and client; the last two see their profiles' issuers).
struct IssuerController {
    let issuers: IssuerDirectory
    let policy: IssuancePolicy
    let auth: Authenticator

    struct IssuerJSON: Encodable {
        struct Capabilities: Encodable {
            var crl: Bool
            var ocsp: Bool
            var revoke: Bool
        }
        var id: String
        var type: String
        var capabilities: Capabilities
        var caCertificatePEM: String?
        var maxValidityDays: Int64
        var defaultValidityDays: Int64

        enum CodingKeys: String, CodingKey {
            case id, type, capabilities
            case caCertificatePEM = "ca_certificate_pem"
            case maxValidityDays = "max_validity_days"
            case defaultValidityDays = "default_validity_days"
        }

        /// `ca_certificate_pem` is always present: `null` while a remote CA's certificate is unknown.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(type, forKey: .type)
            try container.encode(capabilities, forKey: .capabilities)
            try container.encode(caCertificatePEM, forKey: .caCertificatePEM)
            try container.encode(maxValidityDays, forKey: .maxValidityDays)
            try container.encode(defaultValidityDays, forKey: .defaultValidityDays)
        }
    }

    func register(on router: Router<HostRequestContext>) {
        router.get("api/v1/issuers") { request, _ in
            let principal = try await auth.principal(request, needs: .listIssuers)
            // Operator and client keys see the issuers of their profiles only.
            let visible = policy.visibleIssuers(for: principal)
            var list: [IssuerJSON] = []
            for issuer in issuers.all where visible?.contains(issuer.id) ?? true {
                // A remote CA's certificate is learned from its first issuance: null until then.
                let ca = try? await issuer.currentCACertificate()
                list.append(
                    IssuerJSON(
                        id: issuer.id,
                        type: issuer.settings.type,
                        // What this host publishes: CRL and OCSP exactly when the connector's CA
                        // key signs through the host.
                        capabilities: .init(
                            crl: issuer.publishesCRL, ocsp: issuer.signing != nil, revoke: issuer.connector.capabilities.revoke),
                        caCertificatePEM: try ca.map { try $0.pemText },
                        maxValidityDays: issuer.settings.maxValiditySeconds / 86_400,
                        defaultValidityDays: issuer.settings.defaultValiditySeconds / 86_400
                    ))
            }
            return try Response.json(["issuers": list])
        }
    }
}
