import Foundation
import NIOCore
import PostgresNIO

extension PostgresStorage {
    public func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO api_keys (id, name, secret_hash, is_admin, role, profiles, created_at, expires_at)
                VALUES (\(key.id), \(key.name), \(ByteBuffer(bytes: key.secretHash)), \(key.isAdmin), \(key.role.rawValue),
                    \(try SQLiteStorage.json(key.profiles)), \(key.createdAt.unixSeconds), \(key.expiresAt?.unixSeconds))
                """, logger: self.logger)
            try await self.insertAudit(audit, connection)
        }
    }

    public func apiKey(id: String) async throws -> APIKeyRecord? {
        try await withConnection { connection in
            try await Self.rows(try await connection.query("SELECT * FROM api_keys WHERE id = \(id)", logger: self.logger)).first.map(
                Self.apiKeyRecord)
        }
    }

    public func apiKeys() async throws -> [APIKeyRecord] {
        try await withConnection { connection in
            try await Self.rows(try await connection.query("SELECT * FROM api_keys ORDER BY created_at, id", logger: self.logger)).map(
                Self.apiKeyRecord)
        }
    }

    public func updateAPIKey(id: String, _ change: APIKeyChange, audit: AuditEntry) async throws -> APIKeyRecord? {
        try await transaction { connection in
            let rows = try await Self.rows(
                try await connection.query(
                    "SELECT * FROM api_keys WHERE id = \(id) AND revoked_at IS NULL FOR UPDATE", logger: self.logger))
            guard let row = rows.first else { return nil }
            let key = change.applied(to: try Self.apiKeyRecord(row))
            try await connection.query(
                """
                UPDATE api_keys SET role = \(key.role.rawValue), is_admin = \(key.isAdmin), profiles = \(try SQLiteStorage.json(key.profiles)),
                    expires_at = \(key.expiresAt?.unixSeconds) WHERE id = \(id)
                """, logger: self.logger)
            try await self.insertAudit(audit, connection)
            return key
        }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> APIKeyRecord? {
        try await transaction { connection in
            let changed = try await Self.rows(
                try await connection.query(
                    "UPDATE api_keys SET revoked_at = \(at.unixSeconds) WHERE id = \(id) AND revoked_at IS NULL RETURNING *",
                    logger: self.logger))
            guard let row = changed.first else { return nil }
            try await self.insertAudit(audit, connection)
            return try Self.apiKeyRecord(row)
        }
    }

    static func apiKeyRecord(_ row: PostgresRandomAccessRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row["id"].decode(String.self),
            name: try row["name"].decode(String.self),
            secretHash: try row["secret_hash"].decode(ByteBuffer.self).allBytes,
            role: APIKeyRole(rawValue: try row["role"].decode(String.self)) ?? .client,
            profiles: try JSONDecoder().decode([String].self, from: Data(try row["profiles"].decode(String.self).utf8)),
            createdAt: Date(unixSeconds: try row["created_at"].decode(Int64.self)),
            expiresAt: try row["expires_at"].decode(Int64?.self).map(Date.init(unixSeconds:)),
            revokedAt: try row["revoked_at"].decode(Int64?.self).map(Date.init(unixSeconds:))
        )
    }
}
