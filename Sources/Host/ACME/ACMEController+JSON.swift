import Foundation

extension ACMEController {
    /// An account object (RFC 8555 §7.1.2).
    func accountJSON(_ record: ACMEObjectRecord, _ urls: ACMEURLs) throws -> [String: Any] {
        let account = try ACMEJSON.decode(ACMEAccount.self, record.body)
        return [
            "status": record.status, "contact": account.contact, "termsOfServiceAgreed": account.termsOfServiceAgreed,
            "orders": urls.orders(record.id),
        ]
    }

    /// An order object (RFC 8555 §7.1.3), its status derived from its authorizations.
    func orderJSON(_ record: ACMEObjectRecord, _ urls: ACMEURLs) async throws -> [String: Any] {
        let order = try ACMEJSON.decode(ACMEOrder.self, record.body)
        var object: [String: Any] = [
            "status": try await service.orderStatus(record, order),
            "identifiers": order.identifiers.map { ["type": $0.type, "value": $0.value] },
            "authorizations": order.authorizations.map(urls.authorization),
            "finalize": urls.finalize(record.id),
        ]
        if let expires = record.expiresAt { object["expires"] = expires.rfc3339 }
        if let certificate = order.certificateID { object["certificate"] = urls.certificate(certificate) }
        if let error = order.error { object["error"] = ["type": error.type, "detail": error.detail, "status": error.status] }
        return object
    }

    /// An authorization object (RFC 8555 §7.1.4).
    func authorizationJSON(_ record: ACMEObjectRecord, _ urls: ACMEURLs) throws -> [String: Any] {
        let authorization = try ACMEJSON.decode(ACMEAuthorization.self, record.body)
        var object: [String: Any] = [
            "status": service.authorizationStatus(record),
            "identifier": ["type": authorization.identifier.type, "value": authorization.identifier.value],
            "challenges": authorization.challenges.enumerated().map { index, challenge in
                challengeJSON(challenge, url: urls.challenge(record.id, index))
            },
        ]
        if authorization.wildcard { object["wildcard"] = true }
        if let expires = record.expiresAt { object["expires"] = expires.rfc3339 }
        return object
    }

    /// A challenge object (RFC 8555 §7.1.5, §8).
    func challengeJSON(_ challenge: ACMEChallenge, url: String) -> [String: Any] {
        var object: [String: Any] = ["type": challenge.type, "url": url, "status": challenge.status, "token": challenge.token]
        if let validated = challenge.validated { object["validated"] = validated.rfc3339 }
        if let error = challenge.error { object["error"] = ["type": error.type, "detail": error.detail, "status": error.status] }
        return object
    }
}
