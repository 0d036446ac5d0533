import ConnectorAPI
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStorage {
    public func allocateCRLNumber(issuerID: String, atLeast floor: Int64) async throws -> Int64 {
        // One statement: concurrent allocations (also from other instances) serialise on the row.
        try await withConnection { connection in
            let rows = try await Self.rows(
                try await connection.query(
                    """
                    INSERT INTO crl_numbers (issuer_id, last_number) VALUES (\(issuerID), GREATEST(1, \(floor)))
                    ON CONFLICT (issuer_id) DO UPDATE SET last_number = GREATEST(crl_numbers.last_number + 1, \(floor))
                    RETURNING last_number
                    """, logger: self.logger))
            guard let number = try rows.first?["last_number"].decode(Int64.self) else {
                throw HostError(.internalFailure, "CRL number allocation failed")
            }
            return number
        }
    }

    public func revokedEntries(issuerID: String, notExpiredAt at: Date) async throws -> RevokedEntries {
        // Rows are streamed and encoded as they arrive; a large CRL may take longer than one query.
        try await withConnection(timeout: Self.bulkTimeout) { connection in
            let rows = try await connection.query(
                """
                SELECT serial, revoked_at, revocation_reason FROM certificates
                WHERE issuer_id = \(issuerID) AND revoked_at IS NOT NULL AND not_after >= \(at.unixSeconds)
                """, logger: self.logger)
            var entries = RevokedEntries()
            for try await row in rows {
                let (serial, revokedAt, reason) = try row.decode((String, Int64, Int32?).self)
                try entries.append(
                    serialHex: serial.utf8, revokedAt: Date(unixSeconds: revokedAt),
                    reason: reason.flatMap { RevocationReason(rawValue: Int($0)) } ?? .unspecified)
            }
            return entries
        }
    }

    public func storeCRL(_ crl: StoredCRL) async throws {
        try await withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO crl_cache (issuer_id, crl_number, der, this_update, next_update, generated_at_ms, duration_ms, revoked_count)
                VALUES (\(crl.issuerID), \(crl.number), \(ByteBuffer(bytes: crl.der)), \(crl.thisUpdate.unixSeconds),
                    \(crl.nextUpdate.unixSeconds), \(crl.generatedAt.unixMilliseconds), \(crl.generationDurationMs), \(Int64(crl.revokedCount)))
                ON CONFLICT (issuer_id) DO UPDATE SET crl_number = excluded.crl_number, der = excluded.der,
                    this_update = excluded.this_update, next_update = excluded.next_update, generated_at_ms = excluded.generated_at_ms,
                    duration_ms = excluded.duration_ms, revoked_count = excluded.revoked_count
                WHERE excluded.crl_number > crl_cache.crl_number
                """, logger: self.logger)
        }
    }

    public func latestCRL(issuerID: String) async throws -> StoredCRL? {
        try await withConnection { connection in
            try await Self.rows(try await connection.query("SELECT * FROM crl_cache WHERE issuer_id = \(issuerID)", logger: self.logger))
                .first.map { row in
                    StoredCRL(
                        issuerID: issuerID,
                        number: try row["crl_number"].decode(Int64.self),
                        der: try row["der"].decode(ByteBuffer.self).allBytes,
                        thisUpdate: Date(unixSeconds: try row["this_update"].decode(Int64.self)),
                        nextUpdate: Date(unixSeconds: try row["next_update"].decode(Int64.self)),
                        generatedAt: Date(unixMilliseconds: try row["generated_at_ms"].decode(Int64.self)),
                        generationDurationMs: try row["duration_ms"].decode(Int64.self),
                        revokedCount: Int(try row["revoked_count"].decode(Int64.self))
                    )
                }
        }
    }

    public func latestCRLNumber(issuerID: String) async throws -> Int64? {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query("SELECT crl_number FROM crl_cache WHERE issuer_id = \(issuerID)", logger: self.logger)
            ).first.map { try $0["crl_number"].decode(Int64.self) }
        }
    }

    public func recordCRLEvent(_ event: CRLGenerationEvent) async throws {
        try await withConnection { connection in
            try await connection.query(
                """
                INSERT INTO crl_events (issuer_id, started_at_ms, duration_ms, succeeded, crl_number, revoked_count)
                VALUES (\(event.issuerID), \(event.startedAt.unixMilliseconds), \(event.durationMs), \(event.succeeded),
                    \(event.crlNumber), \(event.revokedCount.map(Int64.init)))
                """, logger: self.logger)
            // Keep the history bounded: the newest 100 events per issuer.
            try await connection.query(
                """
                DELETE FROM crl_events WHERE issuer_id = \(event.issuerID) AND seq <= (
                    SELECT seq FROM crl_events WHERE issuer_id = \(event.issuerID) ORDER BY seq DESC LIMIT 1 OFFSET 100)
                """, logger: self.logger)
        }
    }

    public func crlEvents(issuerID: String, limit: Int) async throws -> [CRLGenerationEvent] {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "SELECT * FROM crl_events WHERE issuer_id = \(issuerID) ORDER BY seq DESC LIMIT \(Int64(limit))", logger: self.logger)
            ).map { row in
                CRLGenerationEvent(
                    issuerID: issuerID,
                    startedAt: Date(unixMilliseconds: try row["started_at_ms"].decode(Int64.self)),
                    durationMs: try row["duration_ms"].decode(Int64.self),
                    succeeded: try row["succeeded"].decode(Bool.self),
                    crlNumber: try row["crl_number"].decode(Int64?.self),
                    revokedCount: try row["revoked_count"].decode(Int64?.self).map(Int.init)
                )
            }
        }
    }

    public func serialStatus(issuerID: String, serial: String) async throws -> SerialStatus? {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "SELECT revoked_at, revocation_reason FROM certificates WHERE issuer_id = \(issuerID) AND serial = \(serial)",
                    logger: self.logger)
            ).first.map { row in
                SerialStatus(
                    revokedAt: try row["revoked_at"].decode(Int64?.self).map(Date.init(unixSeconds:)),
                    reason: try row["revocation_reason"].decode(Int32?.self).flatMap { RevocationReason(rawValue: Int($0)) }
                )
            }
        }
    }

    public func currentResponder(issuerID: String) async throws -> ResponderRecord? {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "SELECT * FROM ocsp_responders WHERE issuer_id = \(issuerID) ORDER BY seq DESC LIMIT 1", logger: self.logger)
            ).first.map { row in
                ResponderRecord(
                    issuerID: issuerID,
                    serial: try row["serial"].decode(String.self),
                    certificatePEM: try row["certificate_pem"].decode(String.self),
                    keyFileName: try row["key_file"].decode(String.self),
                    notBefore: Date(unixSeconds: try row["not_before"].decode(Int64.self)),
                    notAfter: Date(unixSeconds: try row["not_after"].decode(Int64.self))
                )
            }
        }
    }

    public func insertResponder(_ responder: ResponderRecord, audit: AuditEntry) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO ocsp_responders (issuer_id, serial, certificate_pem, key_file, not_before, not_after)
                VALUES (\(responder.issuerID), \(responder.serial), \(responder.certificatePEM), \(responder.keyFileName),
                    \(responder.notBefore.unixSeconds), \(responder.notAfter.unixSeconds))
                """, logger: self.logger)
            // New responses should carry the new responder certificate.
            try await connection.query("DELETE FROM ocsp_cache WHERE issuer_id = \(responder.issuerID)", logger: self.logger)
            try await self.insertAudit(audit, connection)
        }
    }

    public func cachedOCSPResponse(issuerID: String, serial: String, certIDKey: String, now: Date) async throws -> CachedOCSPResponse? {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    """
                    SELECT * FROM ocsp_cache WHERE issuer_id = \(issuerID) AND serial = \(serial) AND cert_id = \(certIDKey)
                        AND next_update > \(now.unixSeconds)
                    """, logger: self.logger)
            ).first.map { row in
                CachedOCSPResponse(
                    issuerID: issuerID,
                    serial: serial,
                    certIDKey: certIDKey,
                    der: try row["der"].decode(ByteBuffer.self).allBytes,
                    thisUpdate: Date(unixSeconds: try row["this_update"].decode(Int64.self)),
                    nextUpdate: Date(unixSeconds: try row["next_update"].decode(Int64.self))
                )
            }
        }
    }

    public func storeOCSPResponse(_ response: CachedOCSPResponse, signedAsRevoked: Bool) async throws {
        try await withConnection { connection in
            // Only for serials this issuer issued, and only while the status it was signed with still
            // holds (a revocation committed in between has deleted the row; "good" must not come back).
            _ = try await connection.query(
                """
                INSERT INTO ocsp_cache (issuer_id, serial, cert_id, der, this_update, next_update)
                SELECT \(response.issuerID), \(response.serial), \(response.certIDKey), \(ByteBuffer(bytes: response.der)),
                    \(response.thisUpdate.unixSeconds), \(response.nextUpdate.unixSeconds)
                FROM certificates
                WHERE issuer_id = \(response.issuerID) AND serial = \(response.serial) AND (revoked_at IS NOT NULL) = \(signedAsRevoked)
                ON CONFLICT (issuer_id, serial, cert_id) DO UPDATE SET der = excluded.der, this_update = excluded.this_update,
                    next_update = excluded.next_update
                """, logger: self.logger)
        }
    }

    public func pruneOCSPCache(now: Date) async throws -> Int {
        try await withConnection { connection in
            try await Self.rows(
                try await connection.query(
                    "DELETE FROM ocsp_cache WHERE next_update <= \(now.unixSeconds) RETURNING 1", logger: self.logger)
            ).count
        }
    }
}
