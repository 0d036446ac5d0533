import Foundation

extension ACMEService {
    /// keyChange (RFC 8555 §7.3.5): the outer JWS is signed by the account's current key, its
    /// payload is an inner JWS signed by the new key (`jwk`) over `{"account", "oldKey"}` with the same
    /// `url`. A key another account of this directory already uses is refused (409, its URL in
    /// `Location`). The swap and its audit row are one write.
    func changeKey(_ auth: Authenticated, urls: ACMEURLs) async throws -> ACMEObjectRecord {
        guard var record = auth.account else { throw ACMEProblem(.malformed, "keyChange must be signed with 'kid'") }
        let inner = try ACMERequest(innerBody: auth.request.payload)
        guard let newKey = inner.jwk else { throw ACMEProblem(.malformed, "the inner JWS must carry the new key as 'jwk'") }
        guard inner.url == auth.request.url else { throw ACMEProblem(.malformed, "the inner JWS's 'url' must be the outer one's") }
        guard inner.isSigned(by: newKey) else { throw ACMEProblem(.malformed, "the inner JWS is not signed by its jwk") }
        let payload = try inner.payloadObject()
        guard payload["account"] as? String == urls.account(record.id) else {
            throw ACMEProblem(.malformed, "the inner payload's 'account' must be this account's URL")
        }
        guard let oldKey = payload["oldKey"] as? [String: Any], (try? JWK(json: oldKey)) == auth.key else {
            throw ACMEProblem(.malformed, "the inner payload's 'oldKey' must be the account's current key")
        }
        if let other = try await storage.acmeObjects(.account, lookup: "\(urls.profile) \(newKey.thumbprint)").first {
            throw ACMEProblem(.malformed, "another account uses this key: \(urls.account(other.id))", status: 409)
        }
        var account = try ACMEJSON.decode(ACMEAccount.self, record.body)
        account.jwk = newKey.canonicalJSON
        record.body = try ACMEJSON.encode(account)
        record.lookup = "\(urls.profile) \(newKey.thumbprint)"
        record.version += 1
        guard
            try await storage.updateACMEObjects(
                [record],
                audit: AuditEntry(
                    occurredAt: now(), actor: "acme:\(record.id)", action: AuditAction.acmeAccountUpdated,
                    target: "acme-account:\(record.id)", detail: ["key_changed": "true", "thumbprint": newKey.thumbprint]))
        else { throw ACMEProblem(.serverInternal, "the account changed meanwhile; retry") }
        return record
    }
}
