import Foundation

extension SQLiteStorage {
    public func insertNonce(_ nonce: String, expiresAt: Date) async throws {
        _ = try await transaction { db in
            try db.query("INSERT INTO acme_nonces (nonce, expires_at) VALUES (?1, ?2)", [.text(nonce), .integer(expiresAt.unixSeconds)])
        }
    }

    public func consumeNonce(_ nonce: String, now: Date) async throws -> Bool {
        try await transaction { db in
            try db.query("DELETE FROM acme_nonces WHERE expires_at < ?1", [.integer(now.unixSeconds)])
            try db.query("DELETE FROM acme_nonces WHERE nonce = ?1", [.text(nonce)])
            return db.changes == 1
        }
    }

    public func writeACMEObjects(insert: [ACMEObjectRecord], update: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool {
        do {
            return try await transaction { db in
                for record in insert {
                    try db.query(
                        """
                        INSERT INTO acme_objects (kind, id, profile, account_id, lookup, status, expires_at, created_at, body, version)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                        """, Self.values(record))
                }
                for record in update {
                    try db.query(
                        """
                        UPDATE acme_objects SET profile = ?3, account_id = ?4, lookup = ?5, status = ?6, expires_at = ?7, created_at = ?8,
                            body = ?9, version = ?10
                        WHERE kind = ?1 AND id = ?2 AND version = ?10 - 1
                        """, Self.values(record))
                    guard db.changes == 1 else { throw SQLiteStaleWrite() }
                }
                if let audit { try Self.insertAudit(audit, db) }
                return true
            }
        } catch is SQLiteStaleWrite {
            return false
        }
    }

    public func acmeObject(_ kind: ACMEObjectRecord.Kind, id: String) async throws -> ACMEObjectRecord? {
        try await read { db in
            try db.query("SELECT * FROM acme_objects WHERE kind = ?1 AND id = ?2", [.text(kind.rawValue), .text(id)]).first.map(
                Self.acmeRecord)
        }
    }

    public func acmeObjects(_ kind: ACMEObjectRecord.Kind, lookup: String) async throws -> [ACMEObjectRecord] {
        try await read { db in
            try db.query(
                "SELECT * FROM acme_objects WHERE kind = ?1 AND lookup = ?2 ORDER BY created_at DESC, id",
                [.text(kind.rawValue), .text(lookup)]
            ).map(Self.acmeRecord)
        }
    }

    public func acmeObjects(_ kind: ACMEObjectRecord.Kind, limit: Int) async throws -> [ACMEObjectRecord] {
        try await read { db in
            try db.query(
                "SELECT * FROM acme_objects WHERE kind = ?1 ORDER BY created_at DESC, id LIMIT ?2",
                [.text(kind.rawValue), .integer(Int64(limit))]
            ).map(Self.acmeRecord)
        }
    }

    public func countACMEObjects(_ kind: ACMEObjectRecord.Kind, accountID: String, since: Date) async throws -> Int {
        try await read { db in
            Int(
                try db.query(
                    "SELECT COUNT(*) AS n FROM acme_objects WHERE kind = ?1 AND account_id = ?2 AND created_at >= ?3",
                    [.text(kind.rawValue), .text(accountID), .integer(since.unixSeconds)]
                ).first?.int("n") ?? 0)
        }
    }

    static func values(_ record: ACMEObjectRecord) -> [SQLiteValue] {
        [
            .text(record.kind.rawValue), .text(record.id), .text(record.profile), record.accountID.map { .text($0) } ?? .null,
            record.lookup.map { .text($0) } ?? .null, .text(record.status), record.expiresAt.map { .integer($0.unixSeconds) } ?? .null,
            .integer(record.createdAt.unixSeconds), .text(record.body), .integer(record.version),
        ]
    }

    static func acmeRecord(_ row: SQLiteRow) throws -> ACMEObjectRecord {
        ACMEObjectRecord(
            kind: ACMEObjectRecord.Kind(rawValue: row.string("kind") ?? "") ?? .account, id: row.string("id") ?? "",
            profile: row.string("profile") ?? "", accountID: row.string("account_id"), lookup: row.string("lookup"),
            status: row.string("status") ?? "", expiresAt: row.int("expires_at").map(Date.init(unixSeconds:)),
            createdAt: Date(unixSeconds: row.int("created_at") ?? 0), body: row.string("body") ?? "", version: row.int("version") ?? 0)
    }
}

/// An update whose row changed since it was read: the transaction is rolled back.
struct SQLiteStaleWrite: Error {}
