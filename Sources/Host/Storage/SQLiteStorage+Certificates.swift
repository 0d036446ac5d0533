import ConnectorAPI
import Foundation

extension SQLiteStorage {
    public func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord {
        try await transaction { db in
            let sans = String(decoding: try JSONEncoder().encode(record.sans), as: UTF8.self)
            try db.query(
                """
                INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after,
                    certificate_pem, chain_pem, created_at, created_by, profile)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """,
                [
                    .text(record.id), .text(record.issuerID), .text(record.serial), .text(record.subject), .text(sans),
                    .integer(record.notBefore.unixSeconds), .integer(record.notAfter.unixSeconds),
                    .text(record.certificatePEM), .text(record.chainPEM), .integer(record.createdAt.unixSeconds),
                    .text(record.requestedBy), record.profile.map { .text($0) } ?? .null,
                ]
            )
            try Self.insertAudit(audit, db)
            guard let stored = try db.query("SELECT * FROM certificates WHERE id = ?1", [.text(record.id)]).first else {
                throw HostError(.internalFailure, "inserted certificate row not found")
            }
            return try Self.certificateRecord(stored)
        }
    }

    public func certificate(id: String) async throws -> CertificateRecord? {
        try await read { db in
            try db.query("SELECT * FROM certificates WHERE id = ?1", [.text(id)]).first.map(Self.certificateRecord)
        }
    }

    public func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        try await read { db in
            var sql = "SELECT * FROM certificates WHERE seq < ?1"
            var parameters: [SQLiteValue] = [.integer(query.beforeSeq ?? .max), .integer(Int64(query.limit))]
            if let issuerID = query.issuerID {
                parameters.append(.text(issuerID))
                sql += " AND issuer_id = ?\(parameters.count)"
            }
            if let serial = query.serial {
                parameters.append(.text(serial))
                sql += " AND serial = ?\(parameters.count)"
            }
            if let requestedBy = query.requestedBy {
                parameters.append(.text(requestedBy))
                sql += " AND created_by = ?\(parameters.count)"
            }
            switch query.status {
            case nil: break
            case .revoked: sql += " AND revoked_at IS NOT NULL"
            case .active, .expired:
                parameters.append(.integer(query.now.unixSeconds))
                let comparison = query.status == .active ? ">=" : "<"
                sql += " AND revoked_at IS NULL AND not_after \(comparison) ?\(parameters.count)"
            }
            sql += " ORDER BY seq DESC LIMIT ?2"
            return try db.query(sql, parameters).map(Self.certificateRecord)
        }
    }

    public func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome {
        try await transaction { db in
            guard let row = try db.query("SELECT revoked_at FROM certificates WHERE id = ?1", [.text(id)]).first else {
                return .notFound
            }
            if row.int("revoked_at") != nil { return .alreadyRevoked }
            try db.query(
                "UPDATE certificates SET revoked_at = ?2, revocation_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
                [.text(id), .integer(at.unixSeconds), .integer(Int64(reason.rawValue))]
            )
            guard db.changes == 1 else { return .alreadyRevoked }
            try db.query(
                "DELETE FROM ocsp_cache WHERE (issuer_id, serial) IN (SELECT issuer_id, serial FROM certificates WHERE id = ?1)",
                [.text(id)]
            )
            try Self.insertAudit(audit, db)
            guard let stored = try db.query("SELECT * FROM certificates WHERE id = ?1", [.text(id)]).first else {
                throw HostError(.internalFailure, "revoked certificate row not found")
            }
            return .revoked(try Self.certificateRecord(stored))
        }
    }

    static func certificateRecord(_ row: SQLiteRow) throws -> CertificateRecord {
        let sans = try JSONDecoder().decode([String].self, from: Data((row.string("sans") ?? "[]").utf8))
        return CertificateRecord(
            seq: row.int("seq") ?? 0,
            id: row.string("id") ?? "",
            issuerID: row.string("issuer_id") ?? "",
            serial: row.string("serial") ?? "",
            subject: row.string("subject") ?? "",
            sans: sans,
            notBefore: Date(unixSeconds: row.int("not_before") ?? 0),
            notAfter: Date(unixSeconds: row.int("not_after") ?? 0),
            revokedAt: row.int("revoked_at").map(Date.init(unixSeconds:)),
            revocationReason: row.int("revocation_reason").flatMap { RevocationReason(rawValue: Int($0)) },
            certificatePEM: row.string("certificate_pem") ?? "",
            chainPEM: row.string("chain_pem") ?? "",
            createdAt: Date(unixSeconds: row.int("created_at") ?? 0),
            requestedBy: row.string("created_by") ?? "",
            profile: row.string("profile")
        )
    }
}
