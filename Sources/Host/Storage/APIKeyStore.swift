import Foundation

/// Storage role: API keys (only a hash of each secret).
public protocol APIKeyStore: Sendable {
    /// Stores a new key and its `api_key_created` audit row in one transaction.
    func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws

    func apiKey(id: String) async throws -> APIKeyRecord?

    /// Every key, oldest first.
    func apiKeys() async throws -> [APIKeyRecord]

    /// Sets the admin flag; `false` when no such (unrevoked) key exists.
    func promoteAPIKey(id: String, audit: AuditEntry) async throws -> Bool

    /// Revokes a key; `false` when no such (unrevoked) key exists.
    func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> Bool
}
