import Foundation

extension SQLiteStorage {
    public func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await transaction { db in
            try db.query(
                "INSERT INTO api_keys (id, name, secret_hash, is_admin, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                [.text(key.id), .text(key.name), .blob(key.secretHash), .integer(key.isAdmin ? 1 : 0), .integer(key.createdAt.unixSeconds)]
            )
            try Self.insertAudit(audit, db)
        }
    }

    public func apiKey(id: String) async throws -> APIKeyRecord? {
        try await read { db in
            try db.query("SELECT * FROM api_keys WHERE id = ?1", [.text(id)]).first.map(Self.apiKeyRecord)
        }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await read { db in
            try db.query("SELECT * FROM api_keys ORDER BY created_at, id").map(Self.apiKeyRecord)
        }
    }

    public func promoteAPIKey(id: String, audit: AuditEntry) async throws -> Bool {
        try await transaction { db in
            try db.query("UPDATE api_keys SET is_admin = 1 WHERE id = ?1 AND revoked_at IS NULL", [.text(id)])
            guard db.changes == 1 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> Bool {
        try await transaction { db in
            try db.query("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", [.text(id), .integer(at.unixSeconds)])
            guard db.changes == 1 else { return false }
            try Self.insertAudit(audit, db)
            return true
        }
    }

    static func apiKeyRecord(_ row: SQLiteRow) -> APIKeyRecord {
        APIKeyRecord(
            id: row.string("id") ?? "",
            name: row.string("name") ?? "",
            secretHash: row.blob("secret_hash") ?? [],
            isAdmin: row.int("is_admin") == 1,
            createdAt: Date(unixSeconds: row.int("created_at") ?? 0),
            revokedAt: row.int("revoked_at").map(Date.init(unixSeconds:))
        )
    }
}
