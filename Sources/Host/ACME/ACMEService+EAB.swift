import Crypto
import Foundation

/// External account binding (RFC 8555 §7.3.4): credentials an admin creates for one profile's
/// directory, each binding exactly one account.
struct ACMEEABCredential: Codable, Sendable {
    /// The MAC key, base64url (32 bytes). Kept in the database to verify the binding; shown only in
    /// the creation answer, never listed or logged.
    var hmacKey: String
    var createdBy: String
}

extension ACMEService {
    /// A new credential for `profile`: `(kid, hmac_key)`, the key shown this once.
    func createEAB(profile: String, actor: String) async throws -> (kid: String, hmacKey: String) {
        guard let found = policy.profiles.list.first(where: { $0.id == profile }) else {
            throw HostError(.unprocessable, "no profile '\(profile)'")
        }
        guard found.acme?.enabled == true else {
            throw HostError(.unprocessable, "profile \(profile) has no ACME directory (acme.enabled)")
        }
        let kid = "eab-" + Self.randomID()
        let key = JOSEBase64.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        let record = ACMEObjectRecord(
            kind: .eab, id: kid, profile: profile, lookup: profile, status: "valid", createdAt: now(),
            body: try ACMEJSON.encode(ACMEEABCredential(hmacKey: key, createdBy: actor)))
        try await storage.insertACMEObjects(
            [record],
            audit: AuditEntry(
                occurredAt: now(), actor: actor, action: AuditAction.acmeEABCreated, target: "acme-eab:\(kid)", detail: ["profile": profile]
            ))
        return (kid, key)
    }

    /// Revokes an unused or used credential (its account keeps working: deactivate it separately).
    func revokeEAB(kid: String, actor: String) async throws -> ACMEObjectRecord {
        guard var record = try await storage.acmeObject(.eab, id: kid) else { throw HostError(.notFound, "no EAB credential \(kid)") }
        guard record.status != "revoked" else { throw HostError(.conflict, "EAB credential \(kid) is already revoked") }
        record.status = "revoked"
        record.version += 1
        guard
            try await storage.updateACMEObjects(
                [record],
                audit: AuditEntry(occurredAt: now(), actor: actor, action: AuditAction.acmeEABRevoked, target: "acme-eab:\(kid)"))
        else { throw HostError(.conflict, "EAB credential \(kid) changed meanwhile; retry") }
        return record
    }

    /// Checks `binding` (the newAccount payload's `externalAccountBinding`): an HS256 JWS whose
    /// payload is the account's JWK, whose `url` is the newAccount URL, whose `kid` is an unused,
    /// unrevoked credential of this directory, and whose MAC verifies (constant-time). Returns the
    /// credential, marked used by `accountID`, to be written with the account.
    func checkBinding(_ binding: Any, key: JWK, urls: ACMEURLs, accountID: String) async throws -> ACMEObjectRecord {
        guard let object = binding as? [String: Any], let protected = object["protected"] as? String,
            let payload = object["payload"] as? String, let signature = object["signature"] as? String,
            let headerBytes = JOSEBase64.decode(protected),
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any],
            let payloadBytes = JOSEBase64.decode(payload), let mac = JOSEBase64.decode(signature)
        else { throw ACMEProblem(.malformed, "externalAccountBinding must be a flattened JWS") }
        guard header["alg"] as? String == "HS256" else {
            throw ACMEProblem(.badSignatureAlgorithm, "externalAccountBinding must be signed with HS256")
        }
        guard header["nonce"] == nil, header["url"] as? String == urls.newAccount else {
            throw ACMEProblem(.malformed, "externalAccountBinding needs 'url' = the newAccount URL and no 'nonce'")
        }
        guard let jwkObject = (try? JSONSerialization.jsonObject(with: Data(payloadBytes))) as? [String: Any],
            (try? JWK(json: jwkObject))?.thumbprint == key.thumbprint
        else { throw ACMEProblem(.malformed, "externalAccountBinding's payload must be the account's JWK") }
        guard let kid = header["kid"] as? String, var record = try await storage.acmeObject(.eab, id: kid), record.profile == urls.profile
        else { throw ACMEProblem(.unauthorized, "unknown external account binding credential") }
        let credential = try ACMEJSON.decode(ACMEEABCredential.self, record.body)
        guard let secret = JOSEBase64.decode(credential.hmacKey),
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: Data("\(protected).\(payload)".utf8), using: SymmetricKey(data: secret))
        else { throw ACMEProblem(.unauthorized, "the external account binding's MAC does not verify") }
        guard record.status == "valid" else {
            throw ACMEProblem(
                .unauthorized, "external account binding credential \(kid) is \(record.status == "used" ? "already used" : record.status)")
        }
        record.status = "used"
        record.accountID = accountID
        record.version += 1
        return record
    }
}
