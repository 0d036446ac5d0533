import Foundation
import PostgresNIO

extension PostgresStorage {
    public func insertNonce(_ nonce: String, expiresAt: Date) async throws {
        _ = try await withConnection { connection in
            try await connection.query(
                "INSERT INTO acme_nonces (nonce, expires_at) VALUES (\(nonce), \(expiresAt.unixSeconds))", logger: self.logger)
        }
    }

    /// One `DELETE … RETURNING`: of two instances consuming the same nonce at once, one gets it.
    public func consumeNonce(_ nonce: String, now: Date) async throws -> Bool {
        try await withConnection { connection in
            try await connection.query("DELETE FROM acme_nonces WHERE expires_at < \(now.unixSeconds)", logger: self.logger)
            let rows = try await Self.rows(
                try await connection.query("DELETE FROM acme_nonces WHERE nonce = \(nonce) RETURNING nonce", logger: self.logger))
            return rows.count == 1
        }
    }

    public func writeACMEObjects(insert: [ACMEObjectRecord], update: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool {
        do {
            return try await transaction { connection in
                for record in insert {
                    try await connection.query(
                        """
                        INSERT INTO acme_objects (kind, id, profile, account_id, lookup, status, expires_at, created_at, body, version)
                        VALUES (\(record.kind.rawValue), \(record.id), \(record.profile), \(record.accountID), \(record.lookup),
                            \(record.status), \(record.expiresAt?.unixSeconds), \(record.createdAt.unixSeconds), \(record.body), \(record.version))
                        """, logger: self.logger)
                }
                for record in update {
                    let rows = try await Self.rows(
                        try await connection.query(
                            """
                            UPDATE acme_objects SET profile = \(record.profile), account_id = \(record.accountID), lookup = \(record.lookup),
                                status = \(record.status), expires_at = \(record.expiresAt?.unixSeconds), body = \(record.body),
                                version = \(record.version)
                            WHERE kind = \(record.kind.rawValue) AND id = \(record.id) AND version = \(record.version - 1) RETURNING id
                            """, logger: self.logger))
                    guard rows.count == 1 else { throw PostgresStaleWrite() }
                }
                if let audit { try await self.insertAudit(audit, connection) }
                return true
            }
        } catch is PostgresStaleWrite {
            return false
        }
    }

    public func acmeObject(_ kind: ACMEObjectRecord.Kind, id: String) async throws -> ACMEObjectRecord? {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query("SELECT * FROM acme_objects WHERE kind = \(kind.rawValue) AND id = \(id)", logger: self.logger)
            ).first.map(Self.acmeRecord)
        }
    }

    public func acmeObjects(_ kind: ACMEObjectRecord.Kind, lookup: String) async throws -> [ACMEObjectRecord] {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "SELECT * FROM acme_objects WHERE kind = \(kind.rawValue) AND lookup = \(lookup) ORDER BY created_at DESC, id",
                    logger: self.logger)
            ).map(Self.acmeRecord)
        }
    }

    public func acmeObjects(_ kind: ACMEObjectRecord.Kind, limit: Int) async throws -> [ACMEObjectRecord] {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "SELECT * FROM acme_objects WHERE kind = \(kind.rawValue) ORDER BY created_at DESC, id LIMIT \(Int64(limit))",
                    logger: self.logger)
            ).map(Self.acmeRecord)
        }
    }

    public func countACMEObjects(_ kind: ACMEObjectRecord.Kind, accountID: String, since: Date) async throws -> Int {
        try await withConnection { connection in
            let rows = try await Self.rows(
                try await connection.query(
                    """
                    SELECT COUNT(*) AS n FROM acme_objects
                    WHERE kind = \(kind.rawValue) AND account_id = \(accountID) AND created_at >= \(since.unixSeconds)
                    """, logger: self.logger))
            return Int(try rows.first?["n"].decode(Int64.self) ?? 0)
        }
    }

    static func acmeRecord(_ row: PostgresRandomAccessRow) throws -> ACMEObjectRecord {
        ACMEObjectRecord(
            kind: ACMEObjectRecord.Kind(rawValue: try row["kind"].decode(String.self)) ?? .account, id: try row["id"].decode(String.self),
            profile: try row["profile"].decode(String.self), accountID: try row["account_id"].decode(String?.self),
            lookup: try row["lookup"].decode(String?.self), status: try row["status"].decode(String.self),
            expiresAt: try row["expires_at"].decode(Int64?.self).map(Date.init(unixSeconds:)),
            createdAt: Date(unixSeconds: try row["created_at"].decode(Int64.self)), body: try row["body"].decode(String.self),
            version: try row["version"].decode(Int64.self))
    }
}

/// An update whose row changed since it was read: the transaction is rolled back.
struct PostgresStaleWrite: Error {}
