import ConnectorSupport
import Foundation

/// Creates, authenticates and manages API keys; every change writes its audit row in the same
/// transaction.
public struct APIKeyService: Sendable {
    let storage: any APIKeyStore
    /// When set, a key's profiles must be configured ones (unless no profiles are configured).
    let policy: IssuancePolicy?
    let now: @Sendable () -> Date

    public init(storage: any APIKeyStore, policy: IssuancePolicy? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.storage = storage
        self.policy = policy
        self.now = now
    }

    /// Creates a key and returns the token, which is shown once and never stored.
    ///
    /// - Parameters:
    ///   - profiles: for `operator` and `client` keys (stored as given for the others, and ignored).
    ///   - expiresAt: after it the key is refused; must be in the future.
    public func create(name: String, role: APIKeyRole, profiles: [String] = [], expiresAt: Date? = nil, actor: String) async throws
        -> (record: APIKeyRecord, token: String)
    {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.unicodeScalars.count <= 128,
            !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw HostError(.badRequest, "the key name must be 1-128 characters, without control characters")
        }
        try check(profiles: profiles, expiresAt: expiresAt)
        let token = APIKeyToken.generate()
        let record = APIKeyRecord(
            id: token.id, name: trimmed, secretHash: token.secretHash, role: role, profiles: profiles, createdAt: now(),
            expiresAt: expiresAt)
        var detail = ["name": trimmed, "role": role.rawValue, "profiles": profiles.joined(separator: ",")]
        if let expiresAt { detail["expires_at"] = expiresAt.rfc3339 }
        let audit = AuditEntry(
            occurredAt: now(), actor: actor, action: AuditAction.apiKeyCreated, target: "api_key:\(token.id)", detail: detail)
        try await storage.insertAPIKey(record, audit: audit)
        return (record, token.token)
    }

    /// The principal for a bearer token, or `nil` when it is malformed, unknown, wrong, revoked or expired.
    public func authenticate(_ bearer: String) async throws -> Principal? {
        guard let token = APIKeyToken(parsing: bearer), let record = try await storage.apiKey(id: token.id) else { return nil }
        guard token.matches(record.secretHash), record.revokedAt == nil else { return nil }
        if let expiresAt = record.expiresAt, expiresAt <= now() { return nil }
        return Principal(keyID: record.id, name: record.name, role: record.role, profiles: record.profiles)
    }

    public func list() async throws -> [APIKeyRecord] {
        try await storage.apiKeys()
    }

    public func key(id: String) async throws -> APIKeyRecord {
        guard let key = try await storage.apiKey(id: id) else { throw HostError(.notFound, "no API key with id \(id)") }
        return key
    }

    /// Changes a key's role, profiles or expiry (`api_key_updated`; `api_key_promoted` when it
    /// becomes an admin key).
    public func update(id: String, _ change: APIKeyChange, actor: String) async throws -> APIKeyRecord {
        try refuseSelf(id, actor: actor, "change")
        try check(profiles: change.profiles ?? [], expiresAt: change.expiresAt ?? nil)
        var detail: [String: String] = [:]
        if let role = change.role { detail["role"] = role.rawValue }
        if let profiles = change.profiles { detail["profiles"] = profiles.joined(separator: ",") }
        if let expiresAt = change.expiresAt { detail["expires_at"] = expiresAt?.rfc3339 ?? "" }
        let action = change.role == .admin ? AuditAction.apiKeyPromoted : AuditAction.apiKeyUpdated
        let audit = AuditEntry(occurredAt: now(), actor: actor, action: action, target: "api_key:\(id)", detail: detail)
        guard let key = try await storage.updateAPIKey(id: id, change, audit: audit) else {
            throw HostError(.notFound, "no active API key with id \(id)")
        }
        return key
    }

    /// Makes a key an admin key (`certctl admin keys promote`).
    public func promote(id: String, actor: String) async throws {
        _ = try await update(id: id, APIKeyChange(role: .admin), actor: actor)
    }

    @discardableResult
    public func revoke(id: String, actor: String) async throws -> APIKeyRecord {
        try refuseSelf(id, actor: actor, "revoke")
        let audit = AuditEntry(occurredAt: now(), actor: actor, action: AuditAction.apiKeyRevoked, target: "api_key:\(id)")
        guard let key = try await storage.revokeAPIKey(id: id, at: now(), audit: audit) else {
            throw HostError(.notFound, "no active API key with id \(id)")
        }
        return key
    }

    /// A key does not change or revoke itself over the API, so an admin cannot lock the last admin
    /// key out by accident (another admin key, or `certctl admin keys` on the host, can).
    func refuseSelf(_ id: String, actor: String, _ verb: String) throws {
        guard actor != "apikey:\(id)" else {
            throw HostError(.conflict, "a key cannot \(verb) itself; use another admin key or `certctl admin keys` on the host")
        }
    }

    /// `--expires`: a duration from now (`90d`, `12h`) or an RFC 3339 time.
    public static func expiry(_ text: String, now: Date = Date()) throws -> Date {
        if let seconds = ConfigDuration.seconds(text) { return now.addingTimeInterval(TimeInterval(seconds)) }
        return try RFC3339.parse(text)
    }

    /// Profile ids look like profile ids and, once profiles are configured, name one; an expiry
    /// lies ahead.
    func check(profiles: [String], expiresAt: Date?) throws {
        for profile in profiles where !IssuanceProfile.isValidID(profile) {
            throw HostError(.badRequest, "profile '\(profile)' is not a profile id ([a-z0-9-]{1,64})")
        }
        guard Set(profiles).count == profiles.count else { throw HostError(.badRequest, "a profile is listed twice") }
        if let configured = policy?.profiles, !configured.isDevelopment {
            for profile in profiles where configured[profile] == nil {
                throw HostError(
                    .badRequest, "profile '\(profile)' is not configured (have: \(configured.list.map(\.id).joined(separator: ", ")))")
            }
        }
        if let expiresAt, expiresAt <= now() { throw HostError(.badRequest, "expires_at must be in the future") }
    }
}
