import Foundation
import Logging

/// The ACME server's decisions (RFC 8555), behind `/acme/{profile}/…` (``ACMEController``). Every
/// certificate goes through ``CertificateService/issue(_:by:now:)`` — the same policy, limits,
/// audit and storage as REST issuance — with the requester `acme:<account id>`. All state is in
/// the database (``ACMEStore``), so any instance may answer any request.
struct ACMEService: Sendable {
    let storage: any HostStorage
    let policy: IssuancePolicy
    let certificates: CertificateService
    let validator: ACMEValidator
    let metrics: HostMetrics
    let logger: Logger
    var now: @Sendable () -> Date = Date.init

    static let nonceLifetime: TimeInterval = 3_600

    /// The profile behind `/acme/{profile}/` and its ACME settings; 404 unless it enables ACME.
    func directoryProfile(_ id: String) throws(ACMEProblem) -> (IssuanceProfile, ACMEProfileSettings) {
        guard let profile = policy.profiles.list.first(where: { $0.id == id }), let acme = profile.acme, acme.enabled else {
            throw ACMEProblem(.malformed, "no ACME directory for profile '\(id)'", status: 404)
        }
        return (profile, acme)
    }

    /// A fresh nonce, recorded for one use.
    func newNonce() async throws -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let nonce = JOSEBase64.encode(bytes)
        try await storage.insertNonce(nonce, expiresAt: now().addingTimeInterval(Self.nonceLifetime))
        return nonce
    }

    static func randomID() -> String {
        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    // MARK: Authentication

    /// A checked request: its JWS, and the account when it was signed with `kid`.
    struct Authenticated: Sendable {
        var request: ACMERequest
        var account: ACMEObjectRecord?
        var key: JWK
    }

    /// Checks a POST's JWS (RFC 8555 §6.2–6.5): its `url` is the URL it was sent to, its nonce is
    /// ours and unused, `jwk` only where allowed, the `kid` account exists in this directory and is
    /// valid, and the signature verifies.
    func authenticate(_ body: [UInt8], url: String, urls: ACMEURLs, jwkAllowed: Bool) async throws -> Authenticated {
        let request = try ACMERequest(body: body)
        guard request.url == url else {
            throw ACMEProblem(.unauthorized, "the JWS 'url' (\(request.url)) is not the URL the request was sent to (\(url))")
        }
        guard try await storage.consumeNonce(request.nonce, now: now()) else {
            metrics.increment(.acme, "bad_nonce")
            throw ACMEProblem(.badNonce, "the nonce is unknown, used or expired; use the Replay-Nonce of this answer")
        }
        if let key = request.jwk {
            guard jwkAllowed else { throw ACMEProblem(.malformed, "this request must be signed with 'kid' (the account URL), not 'jwk'") }
            guard request.isSigned(by: key) else { throw ACMEProblem(.unauthorized, "the JWS signature does not verify with its jwk") }
            return Authenticated(request: request, account: nil, key: key)
        }
        guard let kid = request.kid, let id = urls.accountID(fromURL: kid) else {
            throw ACMEProblem(.accountDoesNotExist, "'kid' is not an account URL of this directory")
        }
        guard let record = try await storage.acmeObject(.account, id: id), record.profile == urls.profile else {
            throw ACMEProblem(.accountDoesNotExist, "no account \(kid)")
        }
        let account = try ACMEJSON.decode(ACMEAccount.self, record.body)
        let key = try JWK(canonicalJSON: account.jwk)
        guard request.isSigned(by: key) else {
            throw ACMEProblem(.unauthorized, "the JWS signature does not verify with the account's key")
        }
        guard record.status == "valid" else { throw ACMEProblem(.unauthorized, "account \(id) is \(record.status)") }
        return Authenticated(request: request, account: record, key: key)
    }

    // MARK: Accounts

    /// newAccount (RFC 8555 §7.3): the existing account for this key (200), or a new one (201).
    func newAccount(_ auth: Authenticated, urls: ACMEURLs, settings: ACMEProfileSettings) async throws -> (ACMEObjectRecord, created: Bool)
    {
        let payload = try auth.request.payloadObject()
        if let existing = try await storage.acmeObjects(.account, lookup: "\(urls.profile) \(auth.key.thumbprint)").first {
            return (existing, false)
        }
        if payload["onlyReturnExisting"] as? Bool == true {
            throw ACMEProblem(.accountDoesNotExist, "no account for this key in directory \(urls.profile)")
        }
        if settings.eabRequired, payload["externalAccountBinding"] == nil {
            throw ACMEProblem(.externalAccountRequired, "directory \(urls.profile) requires external account binding")
        }
        let id = Self.randomID()
        let binding = try await payload["externalAccountBinding"].asyncMap {
            try await checkBinding($0, key: auth.key, urls: urls, accountID: id)
        }
        let agreed = payload["termsOfServiceAgreed"] as? Bool ?? false
        if settings.termsOfServiceURL != nil, !agreed {
            throw ACMEProblem(.userActionRequired, "agree to the terms of service (termsOfServiceAgreed: true)")
        }
        let contact = try Self.contacts(payload["contact"])
        let account = ACMEAccount(contact: contact, jwk: auth.key.canonicalJSON, termsOfServiceAgreed: agreed)
        let record = ACMEObjectRecord(
            kind: .account, id: id, profile: urls.profile, lookup: "\(urls.profile) \(auth.key.thumbprint)", status: "valid",
            createdAt: now(), body: try ACMEJSON.encode(account))
        var detail = ["profile": urls.profile, "contact": contact.joined(separator: ",")]
        if let binding { detail["eab_kid"] = binding.id }
        guard
            try await storage.writeACMEObjects(
                insert: [record], update: binding.map { [$0] } ?? [],
                audit: AuditEntry(
                    occurredAt: now(), actor: "acme:\(id)", action: AuditAction.acmeAccountCreated, target: "acme-account:\(id)",
                    detail: detail))
        else { throw ACMEProblem(.unauthorized, "the external account binding credential was used meanwhile") }
        metrics.increment(.acme, "account_created")
        return (record, true)
    }

    /// Account update (RFC 8555 §7.3.2) and deactivation (§7.3.6); POST-as-GET reads it.
    func updateAccount(_ auth: Authenticated, id: String) async throws -> ACMEObjectRecord {
        guard var record = auth.account, record.id == id else {
            throw ACMEProblem(.unauthorized, "an account can only be read or changed with its own key")
        }
        if auth.request.isPostAsGet { return record }
        let payload = try auth.request.payloadObject()
        var account = try ACMEJSON.decode(ACMEAccount.self, record.body)
        if let contact = payload["contact"] { account.contact = try Self.contacts(contact) }
        if let status = payload["status"] as? String {
            guard status == "deactivated" else { throw ACMEProblem(.malformed, "an account's status can only be set to 'deactivated'") }
            record.status = status
        }
        record.body = try ACMEJSON.encode(account)
        record.version += 1
        guard
            try await storage.updateACMEObjects(
                [record],
                audit: AuditEntry(
                    occurredAt: now(), actor: "acme:\(id)", action: AuditAction.acmeAccountUpdated, target: "acme-account:\(id)",
                    detail: ["status": record.status, "contact": account.contact.joined(separator: ",")]))
        else { throw ACMEProblem(.serverInternal, "the account changed meanwhile; retry") }
        return record
    }

    static func contacts(_ value: Any?) throws(ACMEProblem) -> [String] {
        guard let value else { return [] }
        guard let list = value as? [String] else { throw ACMEProblem(.malformed, "'contact' must be a list of URLs") }
        for contact in list {
            guard contact.hasPrefix("mailto:"), contact.count > 7, !contact.contains(","), contact.contains("@") else {
                throw ACMEProblem(.unsupportedContact, "only mailto: contacts are supported, not '\(contact)'")
            }
        }
        return list
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
