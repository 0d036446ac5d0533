import Foundation

extension SQLiteStorage {
    public func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await transaction { db in
            try db.query(
                """
                INSERT INTO api_keys (id, name, secret_hash, is_admin, role, profiles, created_at, expires_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """,
                [
                    .text(key.id), .text(key.name), .blob(key.secretHash), .integer(key.isAdmin ? 1 : 0), .text(key.role.rawValue),
                    .text(try Self.json(key.profiles)), .integer(key.createdAt.unixSeconds),
                    key.expiresAt.map { .integer($0.unixSeconds) } ?? .null,
                ]
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

    public func updateAPIKey(id: String, _ change: APIKeyChange, audit: AuditEntry) async throws -> APIKeyRecord? {
        try await transaction { db in
            guard let row = try db.query("SELECT * FROM api_keys WHERE id = ?1 AND revoked_at IS NULL", [.text(id)]).first else {
                return nil
            }
            let key = change.applied(to: try Self.apiKeyRecord(row))
            try db.query(
                "UPDATE api_keys SET role = ?2, is_admin = ?3, profiles = ?4, expires_at = ?5 WHERE id = ?1",
                [
                    .text(id), .text(key.role.rawValue), .integer(key.isAdmin ? 1 : 0), .text(try Self.json(key.profiles)),
                    key.expiresAt.map { .integer($0.unixSeconds) } ?? .null,
                ]
            )
            try Self.insertAudit(audit, db)
            return key
        }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> APIKeyRecord? {
        try await transaction { db in
            try db.query("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL", [.text(id), .integer(at.unixSeconds)])
            guard db.changes == 1, let row = try db.query("SELECT * FROM api_keys WHERE id = ?1", [.text(id)]).first else { return nil }
            try Self.insertAudit(audit, db)
            return try Self.apiKeyRecord(row)
        }
    }

    static func json(_ strings: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(strings), as: UTF8.self)
    }

    static func apiKeyRecord(_ row: SQLiteRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: row.string("id") ?? "",
            name: row.string("name") ?? "",
            secretHash: row.blob("secret_hash") ?? [],
            role: row.string("role").flatMap(APIKeyRole.init(rawValue:)) ?? .client,
            profiles: try JSONDecoder().decode([String].self, from: Data((row.string("profiles") ?? "[]").utf8)),
            createdAt: Date(unixSeconds: row.int("created_at") ?? 0),
            expiresAt: row.int("expires_at").map(Date.init(unixSeconds:)),
            revokedAt: row.int("revoked_at").map(Date.init(unixSeconds:))
        )
    }
}
