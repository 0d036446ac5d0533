import Foundation

/// Creates, authenticates and manages API keys; every change writes its audit row in the same
/// transaction.
public struct APIKeyService: Sendable {
    let storage: any APIKeyStore

    public init(storage: any APIKeyStore) {
        self.storage = storage
    }

    /// Creates a key and returns the token, which is shown once and never stored.
    public func create(name: String, isAdmin: Bool, actor: String, now: Date = Date()) async throws -> (record: APIKeyRecord, token: String)
    {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 128 else {
            throw HostError(.badRequest, "the key name must be 1-128 characters")
        }
        let token = APIKeyToken.generate()
        let record = APIKeyRecord(
            id: token.id, name: trimmed, secretHash: token.secretHash, isAdmin: isAdmin, createdAt: now, revokedAt: nil)
        let audit = AuditEntry(
            occurredAt: now, actor: actor, action: AuditAction.apiKeyCreated, target: "api_key:\(token.id)",
            detail: ["name": trimmed, "admin": String(isAdmin)]
        )
        try await storage.insertAPIKey(record, audit: audit)
        return (record, token.token)
    }

    /// The principal for a bearer token, or `nil` when it is malformed, unknown, wrong or revoked.
    public func authenticate(_ bearer: String) async throws -> Principal? {
        guard let token = APIKeyToken(parsing: bearer), let record = try await storage.apiKey(id: token.id) else { return nil }
        guard token.matches(record.secretHash), record.revokedAt == nil else { return nil }
        return Principal(keyID: record.id, name: record.name, isAdmin: record.isAdmin)
    }

    public func list() async throws -> [APIKeyRecord] {
        try await storage.apiKeys()
    }

    public func promote(id: String, actor: String, now: Date = Date()) async throws {
        let audit = AuditEntry(occurredAt: now, actor: actor, action: AuditAction.apiKeyPromoted, target: "api_key:\(id)")
        guard try await storage.promoteAPIKey(id: id, audit: audit) else {
            throw HostError(.notFound, "no active API key with id \(id)")
        }
    }

    public func revoke(id: String, actor: String, now: Date = Date()) async throws {
        let audit = AuditEntry(occurredAt: now, actor: actor, action: AuditAction.apiKeyRevoked, target: "api_key:\(id)")
        guard try await storage.revokeAPIKey(id: id, at: now, audit: audit) else {
            throw HostError(.notFound, "no active API key with id \(id)")
        }
    }
}
