import Foundation

/// Storage role: API keys (only a hash of each secret).
public protocol APIKeyStore: Sendable {
    /// Stores a new key and its `api_key_created` audit row in one transaction.
    func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws

    func apiKey(id: String) async throws -> APIKeyRecord?

    /// Every key, oldest first.
    func apiKeys() async throws -> [APIKeyRecord]

    /// Applies `change` to an unrevoked key with its audit row; `nil` when there is no such key.
    func updateAPIKey(id: String, _ change: APIKeyChange, audit: AuditEntry) async throws -> APIKeyRecord?

    /// Revokes a key with its audit row; `nil` when there is no such (unrevoked) key.
    func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> APIKeyRecord?
}
