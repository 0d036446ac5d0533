import Foundation
import NIOCore
import PostgresNIO

extension PostgresStorage {
    public func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO api_keys (id, name, secret_hash, is_admin, created_at)
                VALUES (\(key.id), \(key.name), \(ByteBuffer(bytes: key.secretHash)), \(key.isAdmin), \(key.createdAt.unixSeconds))
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

    public func promoteAPIKey(id: String, audit: AuditEntry) async throws -> Bool {
        try await transaction { connection in
            let changed = try await Self.rows(
                try await connection.query(
                    "UPDATE api_keys SET is_admin = TRUE WHERE id = \(id) AND revoked_at IS NULL RETURNING id", logger: self.logger))
            guard !changed.isEmpty else { return false }
            try await self.insertAudit(audit, connection)
            return true
        }
    }

    public func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> Bool {
        try await transaction { connection in
            let changed = try await Self.rows(
                try await connection.query(
                    "UPDATE api_keys SET revoked_at = \(at.unixSeconds) WHERE id = \(id) AND revoked_at IS NULL RETURNING id",
                    logger: self.logger))
            guard !changed.isEmpty else { return false }
            try await self.insertAudit(audit, connection)
            return true
        }
    }

    static func apiKeyRecord(_ row: PostgresRandomAccessRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row["id"].decode(String.self),
            name: try row["name"].decode(String.self),
            secretHash: try row["secret_hash"].decode(ByteBuffer.self).allBytes,
            isAdmin: try row["is_admin"].decode(Bool.self),
            createdAt: Date(unixSeconds: try row["created_at"].decode(Int64.self)),
            revokedAt: try row["revoked_at"].decode(Int64?.self).map(Date.init(unixSeconds:))
        )
    }
}
