import ConnectorAPI
import Foundation
import PostgresNIO

extension PostgresStorage {
    public func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord {
        try await transaction { connection in
            let sans = String(decoding: try JSONEncoder().encode(record.sans), as: UTF8.self)
            let rows = try await Self.rows(
                try await connection.query(
                    """
                    INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after,
                        certificate_pem, chain_pem, created_at, created_by, profile)
                    VALUES (\(record.id), \(record.issuerID), \(record.serial), \(record.subject), \(sans), \(record.notBefore.unixSeconds),
                        \(record.notAfter.unixSeconds), \(record.certificatePEM), \(record.chainPEM), \(record.createdAt.unixSeconds),
                        \(record.requestedBy), \(record.profile))
                    RETURNING *
                    """, logger: self.logger))
            try await self.insertAudit(audit, connection)
            guard let row = rows.first else { throw HostError(.internalFailure, "inserted certificate row not returned") }
            return try Self.certificateRecord(row)
        }
    }

    public func certificate(id: String) async throws -> CertificateRecord? {
        try await withConnection { connection in
            try await Self.rows(try await connection.query("SELECT * FROM certificates WHERE id = \(id)", logger: self.logger))
                .first.map(Self.certificateRecord)
        }
    }

    public func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        var bindings = PostgresBindings()
        bindings.append(query.beforeSeq ?? .max)
        bindings.append(Int64(query.limit))
        var sql = "SELECT * FROM certificates WHERE seq < $1"
        if let issuerID = query.issuerID {
            bindings.append(issuerID)
            sql += " AND issuer_id = $\(bindings.count)"
        }
        if let requestedBy = query.requestedBy {
            bindings.append(requestedBy)
            sql += " AND created_by = $\(bindings.count)"
        }
        if let serial = query.serial {
            bindings.append(serial)
            sql += " AND serial = $\(bindings.count)"
        }
        switch query.status {
        case nil: break
        case .revoked: sql += " AND revoked_at IS NOT NULL"
        case .active, .expired:
            bindings.append(query.now.unixSeconds)
            sql += " AND revoked_at IS NULL AND not_after \(query.status == .active ? ">=" : "<") $\(bindings.count)"
        }
        sql += " ORDER BY seq DESC LIMIT $2"
        let statement = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await withConnection { connection in
            try await Self.rows(try await connection.query(statement, logger: self.logger)).map(Self.certificateRecord)
        }
    }

    /// Returns once every other instance answering OCSP from memory under a lease has seen the
    /// revocation (``awaitOCSPAcknowledgements(of:)``).
    public func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome {
        let (outcome, epoch) = try await transaction { connection -> (RevocationOutcome, Int64?) in
            // The conditional UPDATE decides atomically: of two concurrent revocations one gets the row.
            let updated = try await Self.rows(
                try await connection.query(
                    """
                    UPDATE certificates SET revoked_at = \(at.unixSeconds), revocation_reason = \(reason.rawValue)
                    WHERE id = \(id) AND revoked_at IS NULL RETURNING *
                    """, logger: self.logger))
            guard let row = updated.first else {
                let exists = try await Self.rows(
                    try await connection.query("SELECT 1 FROM certificates WHERE id = \(id)", logger: self.logger))
                return (exists.isEmpty ? .notFound : .alreadyRevoked, nil)
            }
            let record = try Self.certificateRecord(row)
            try await connection.query(
                "DELETE FROM ocsp_cache WHERE issuer_id = \(record.issuerID) AND serial = \(record.serial)", logger: self.logger)
            try await self.insertAudit(audit, connection)
            return (.revoked(record), try await self.ocspEpoch(in: connection))
        }
        if let epoch { await awaitOCSPAcknowledgements(of: epoch) }
        return outcome
    }

    static func certificateRecord(_ row: PostgresRandomAccessRow) throws -> CertificateRecord {
        let sans = try JSONDecoder().decode([String].self, from: Data(try row["sans"].decode(String.self).utf8))
        return CertificateRecord(
            seq: try row["seq"].decode(Int64.self),
            id: try row["id"].decode(String.self),
            issuerID: try row["issuer_id"].decode(String.self),
            serial: try row["serial"].decode(String.self),
            subject: try row["subject"].decode(String.self),
            sans: sans,
            notBefore: Date(unixSeconds: try row["not_before"].decode(Int64.self)),
            notAfter: Date(unixSeconds: try row["not_after"].decode(Int64.self)),
            revokedAt: try row["revoked_at"].decode(Int64?.self).map(Date.init(unixSeconds:)),
            revocationReason: try row["revocation_reason"].decode(Int32?.self).flatMap { RevocationReason(rawValue: Int($0)) },
            certificatePEM: try row["certificate_pem"].decode(String.self),
            chainPEM: try row["chain_pem"].decode(String.self),
            createdAt: Date(unixSeconds: try row["created_at"].decode(Int64.self)),
            requestedBy: try row["created_by"].decode(String.self),
            profile: try row["profile"].decode(String?.self)
        )
    }
}
