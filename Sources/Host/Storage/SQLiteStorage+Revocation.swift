import ConnectorAPI
import Foundation

extension SQLiteStorage {
    public func allocateCRLNumber(issuerID: String, atLeast floor: Int64) async throws -> Int64 {
        try await transaction { db in
            try db.query("INSERT OR IGNORE INTO crl_numbers (issuer_id, last_number) VALUES (?1, 0)", [.text(issuerID)])
            try db.query(
                "UPDATE crl_numbers SET last_number = MAX(last_number + 1, ?2) WHERE issuer_id = ?1", [.text(issuerID), .integer(floor)])
            guard
                let number = try db.query("SELECT last_number FROM crl_numbers WHERE issuer_id = ?1", [.text(issuerID)]).first?.int(
                    "last_number")
            else { throw HostError(.internalFailure, "CRL number allocation failed") }
            return number
        }
    }

    public func revokedEntries(issuerID: String, notExpiredAt at: Date) async throws -> RevokedEntries {
        try await read { db in
            var entries = RevokedEntries()
            try db.each(
                """
                SELECT serial, revoked_at, revocation_reason FROM certificates
                WHERE issuer_id = ?1 AND revoked_at IS NOT NULL AND not_after >= ?2
                """,
                [.text(issuerID), .integer(at.unixSeconds)]
            ) { row in
                let revokedAt = Date(unixSeconds: row.int(1) ?? 0)
                let reason = row.int(2).flatMap { RevocationReason(rawValue: Int($0)) } ?? .unspecified
                try row.withText(0) { serial in try entries.append(serialHex: serial, revokedAt: revokedAt, reason: reason) }
            }
            return entries
        }
    }

    public func storeCRL(_ crl: StoredCRL) async throws {
        try await transaction { db in
            _ = try db.query(
                """
                INSERT INTO crl_cache (issuer_id, crl_number, der, this_update, next_update, generated_at_ms, duration_ms, revoked_count)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                ON CONFLICT (issuer_id) DO UPDATE SET crl_number = excluded.crl_number, der = excluded.der,
                    this_update = excluded.this_update, next_update = excluded.next_update, generated_at_ms = excluded.generated_at_ms,
                    duration_ms = excluded.duration_ms, revoked_count = excluded.revoked_count
                WHERE excluded.crl_number > crl_cache.crl_number
                """,
                [
                    .text(crl.issuerID), .integer(crl.number), .blob(crl.der), .integer(crl.thisUpdate.unixSeconds),
                    .integer(crl.nextUpdate.unixSeconds), .integer(crl.generatedAt.unixMilliseconds), .integer(crl.generationDurationMs),
                    .integer(Int64(crl.revokedCount)),
                ]
            )
        }
    }

    public func latestCRL(issuerID: String) async throws -> StoredCRL? {
        try await read { db in
            try db.query("SELECT * FROM crl_cache WHERE issuer_id = ?1", [.text(issuerID)]).first.map { row in
                StoredCRL(
                    issuerID: issuerID,
                    number: row.int("crl_number") ?? 0,
                    der: row.blob("der") ?? [],
                    thisUpdate: Date(unixSeconds: row.int("this_update") ?? 0),
                    nextUpdate: Date(unixSeconds: row.int("next_update") ?? 0),
                    generatedAt: Date(unixMilliseconds: row.int("generated_at_ms") ?? 0),
                    generationDurationMs: row.int("duration_ms") ?? 0,
                    revokedCount: Int(row.int("revoked_count") ?? 0)
                )
            }
        }
    }

    public func latestCRLNumber(issuerID: String) async throws -> Int64? {
        try await read { db in
            try db.query("SELECT crl_number FROM crl_cache WHERE issuer_id = ?1", [.text(issuerID)]).first?.int("crl_number")
        }
    }

    public func recordCRLEvent(_ event: CRLGenerationEvent) async throws {
        try await withConnection { db in
            try db.query(
                """
                INSERT INTO crl_events (issuer_id, started_at_ms, duration_ms, succeeded, crl_number, revoked_count)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                """,
                [
                    .text(event.issuerID), .integer(event.startedAt.unixMilliseconds), .integer(event.durationMs),
                    .integer(event.succeeded ? 1 : 0), event.crlNumber.map { .integer($0) } ?? .null,
                    event.revokedCount.map { .integer(Int64($0)) } ?? .null,
                ]
            )
            // Keep the history bounded: the newest 100 events per issuer.
            try db.query(
                "DELETE FROM crl_events WHERE issuer_id = ?1 AND seq <= (SELECT seq FROM crl_events WHERE issuer_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET 100)",
                [.text(event.issuerID)]
            )
        }
    }

    public func crlEvents(issuerID: String, limit: Int) async throws -> [CRLGenerationEvent] {
        try await read { db in
            try db.query(
                "SELECT * FROM crl_events WHERE issuer_id = ?1 ORDER BY seq DESC LIMIT ?2", [.text(issuerID), .integer(Int64(limit))]
            )
            .map { row in
                CRLGenerationEvent(
                    issuerID: issuerID,
                    startedAt: Date(unixMilliseconds: row.int("started_at_ms") ?? 0),
                    durationMs: row.int("duration_ms") ?? 0,
                    succeeded: row.int("succeeded") == 1,
                    crlNumber: row.int("crl_number"),
                    revokedCount: row.int("revoked_count").map(Int.init)
                )
            }
        }
    }

    public func serialStatus(issuerID: String, serial: String) async throws -> SerialStatus? {
        try await read { db in
            try db.query(
                "SELECT revoked_at, revocation_reason FROM certificates WHERE issuer_id = ?1 AND serial = ?2",
                [.text(issuerID), .text(serial)]
            ).first.map { row in
                SerialStatus(
                    revokedAt: row.int("revoked_at").map(Date.init(unixSeconds:)),
                    reason: row.int("revocation_reason").flatMap { RevocationReason(rawValue: Int($0)) }
                )
            }
        }
    }

    public func currentResponder(issuerID: String) async throws -> ResponderRecord? {
        try await read { db in
            try db.query("SELECT * FROM ocsp_responders WHERE issuer_id = ?1 ORDER BY seq DESC LIMIT 1", [.text(issuerID)]).first.map {
                row in
                ResponderRecord(
                    issuerID: issuerID,
                    serial: row.string("serial") ?? "",
                    certificatePEM: row.string("certificate_pem") ?? "",
                    keyFileName: row.string("key_file") ?? "",
                    notBefore: Date(unixSeconds: row.int("not_before") ?? 0),
                    notAfter: Date(unixSeconds: row.int("not_after") ?? 0)
                )
            }
        }
    }

    public func insertResponder(_ responder: ResponderRecord, audit: AuditEntry) async throws {
        try await transaction { db in
            try db.query(
                "INSERT INTO ocsp_responders (issuer_id, serial, certificate_pem, key_file, not_before, not_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                [
                    .text(responder.issuerID), .text(responder.serial), .text(responder.certificatePEM), .text(responder.keyFileName),
                    .integer(responder.notBefore.unixSeconds), .integer(responder.notAfter.unixSeconds),
                ]
            )
            // Responses signed by the previous responder stay valid, but new ones should carry the new certificate.
            try db.query("DELETE FROM ocsp_cache WHERE issuer_id = ?1", [.text(responder.issuerID)])
            try Self.insertAudit(audit, db)
        }
    }

    public func cachedOCSPResponse(issuerID: String, serial: String, certIDKey: String, now: Date) async throws -> CachedOCSPResponse? {
        try await read { db in
            try db.query(
                "SELECT * FROM ocsp_cache WHERE issuer_id = ?1 AND serial = ?2 AND cert_id = ?3 AND next_update > ?4",
                [.text(issuerID), .text(serial), .text(certIDKey), .integer(now.unixSeconds)]
            ).first.map { row in
                CachedOCSPResponse(
                    issuerID: issuerID,
                    serial: serial,
                    certIDKey: certIDKey,
                    der: row.blob("der") ?? [],
                    thisUpdate: Date(unixSeconds: row.int("this_update") ?? 0),
                    nextUpdate: Date(unixSeconds: row.int("next_update") ?? 0)
                )
            }
        }
    }

    public func storeOCSPResponse(_ response: CachedOCSPResponse, signedAsRevoked: Bool) async throws {
        _ = try await transaction { db in
            // Only for serials this issuer issued (so the cache is bounded by the certificate table), and
            // only while the status it was signed with still holds: a revocation that committed after the
            // status was read has deleted the row, and a "good" response must not be written back.
            try db.query(
                """
                INSERT INTO ocsp_cache (issuer_id, serial, cert_id, der, this_update, next_update)
                SELECT ?1, ?2, ?7, ?3, ?4, ?5 FROM certificates
                WHERE issuer_id = ?1 AND serial = ?2 AND (revoked_at IS NOT NULL) = ?6
                ON CONFLICT (issuer_id, serial, cert_id) DO UPDATE SET der = excluded.der, this_update = excluded.this_update,
                    next_update = excluded.next_update
                """,
                [
                    .text(response.issuerID), .text(response.serial), .blob(response.der), .integer(response.thisUpdate.unixSeconds),
                    .integer(response.nextUpdate.unixSeconds), .integer(signedAsRevoked ? 1 : 0),
                    .text(response.certIDKey),
                ]
            )
        }
    }

    public func pruneOCSPCache(now: Date) async throws -> Int {
        try await withConnection { db in
            try db.query("DELETE FROM ocsp_cache WHERE next_update <= ?1", [.integer(now.unixSeconds)])
            return db.changes
        }
    }
}
