import ConnectorAPI
import Foundation
import PostgresNIO
import Testing

@testable import Host

/// The storage contract every backend must keep: in-memory, SQLite and PostgreSQL behave the same.
/// Each check runs on a fresh, migrated storage of each backend (``StorageTests``,
/// ``PostgresStorageTests``).
enum StorageContract {
    enum Check: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case migrationsAreIdempotent
        case insertReadAndPageNewestFirst
        case statusFilters
        case revocationIsDecidedOnceWithItsAuditRow
        case aFailedInsertLeavesNoAuditRow
        case auditDetailRoundTrips
        case apiKeysUpdateAndRevokeOnce
        case crlNumbersIncreaseAndOnlyNewerCRLsReplace
        case ocspCacheNeverKeepsAGoodResponseAcrossARevocation
        case respondersAreVersionedAndRotationClearsTheCache
        case acmeNoncesOnceAndObjectsVersioned

        var testDescription: String { rawValue }
    }

    static func run(_ check: Check, on backend: StorageBackend) async throws {
        try await backend.with { storage in
            switch check {
            case .migrationsAreIdempotent: try await migrationsAreIdempotent(storage, backend)
            case .insertReadAndPageNewestFirst: try await insertReadAndPageNewestFirst(storage, backend)
            case .statusFilters: try await statusFilters(storage, backend)
            case .revocationIsDecidedOnceWithItsAuditRow: try await revocationIsDecidedOnceWithItsAuditRow(storage, backend)
            case .aFailedInsertLeavesNoAuditRow: try await aFailedInsertLeavesNoAuditRow(storage, backend)
            case .auditDetailRoundTrips: try await auditDetailRoundTrips(storage, backend)
            case .apiKeysUpdateAndRevokeOnce: try await apiKeysUpdateAndRevokeOnce(storage, backend)
            case .crlNumbersIncreaseAndOnlyNewerCRLsReplace: try await crlNumbersIncreaseAndOnlyNewerCRLsReplace(storage, backend)
            case .ocspCacheNeverKeepsAGoodResponseAcrossARevocation:
                try await ocspCacheNeverKeepsAGoodResponseAcrossARevocation(storage, backend)
            case .respondersAreVersionedAndRotationClearsTheCache:
                try await respondersAreVersionedAndRotationClearsTheCache(storage, backend)
            case .acmeNoncesOnceAndObjectsVersioned: try await acmeNoncesOnceAndObjectsVersioned(storage, backend)
            }
        }
    }

    static func record(_ n: Int, issuer: String = "iss-a", notAfter: Date = Date().addingTimeInterval(86_400)) -> CertificateRecord {
        CertificateRecord(
            seq: 0, id: "cert-\(n)", issuerID: issuer, serial: String(format: "%032x", n), subject: "CN=\(n)", sans: ["DNS:\(n).test"],
            notBefore: Date(timeIntervalSince1970: 1_700_000_000), notAfter: notAfter, revokedAt: nil, revocationReason: nil,
            certificatePEM: "pem", chainPEM: "chain", createdAt: Date(), requestedBy: "test"
        )
    }

    static func audit(_ action: String = AuditAction.certIssued) -> AuditEntry {
        AuditEntry(occurredAt: Date(), actor: "test", action: action, target: "t")
    }

    /// The versions recorded as applied (`nil` for the in-memory storage, which has no schema).
    /// A nonce is used up exactly once and not after it expires; objects are found by id, lookup
    /// and owner; an update applies only to the version it was read at, with its audit row.
    static func acmeNoncesOnceAndObjectsVersioned(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        let now = Date()
        try await storage.insertNonce("n-1", expiresAt: now.addingTimeInterval(3_600))
        try await storage.insertNonce("n-old", expiresAt: now.addingTimeInterval(-10))
        #expect(try await storage.consumeNonce("n-1", now: now))
        #expect(try await storage.consumeNonce("n-1", now: now) == false, "\(backend): a nonce is used once")
        #expect(try await storage.consumeNonce("n-old", now: now) == false, "\(backend): an expired nonce is refused")
        #expect(try await storage.consumeNonce("never", now: now) == false)

        let account = ACMEObjectRecord(
            kind: .account, id: "acct-1", profile: "web", lookup: "thumb-1", status: "valid", createdAt: now, body: #"{"contact":[]}"#)
        let order = ACMEObjectRecord(
            kind: .order, id: "order-1", profile: "web", accountID: "acct-1", status: "pending", expiresAt: now.addingTimeInterval(600),
            createdAt: now, body: "{}")
        try await storage.insertACMEObjects([account, order], audit: audit("acme_account_created"))
        #expect(try await storage.acmeObject(.account, id: "acct-1")?.lookup == "thumb-1")
        #expect(try await storage.acmeObjects(.account, lookup: "thumb-1").map(\.id) == ["acct-1"])
        #expect(try await storage.countACMEObjects(.order, accountID: "acct-1", since: now.addingTimeInterval(-60)) == 1)
        #expect(try await storage.acmeObjects(.order, limit: 10).map(\.id) == ["order-1"])

        var ready = order
        ready.status = "ready"
        ready.version = 2
        #expect(try await storage.updateACMEObjects([ready], audit: audit("acme_order_ready")))
        #expect(try await storage.updateACMEObjects([ready], audit: audit("acme_order_ready")) == false, "\(backend): a stale version")
        #expect(try await storage.acmeObject(.order, id: "order-1")?.status == "ready")
        let actions = try await storage.auditEvents(limit: 5, beforeSeq: nil).map(\.action)
        #expect(actions.prefix(2) == ["acme_order_ready", "acme_account_created"], "\(backend): \(actions)")
    }

    static func appliedMigrations(_ storage: any HostStorage) async throws -> [Int64]? {
        switch storage {
        case let sqlite as SQLiteStorage:
            return try await sqlite.read { db in
                try db.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.int("version") }
            }
        case let postgres as PostgresStorage:
            return try await postgres.withConnection { connection in
                var versions: [Int64] = []
                for try await version in try await connection.query(
                    "SELECT version FROM schema_migrations ORDER BY version", logger: postgres.logger
                )
                .decode(Int64.self) {
                    versions.append(version)
                }
                return versions
            }
        default:
            return nil
        }
    }

    /// A second (and third) migration of a database with rows in it applies nothing again and
    /// keeps every row; the storage keeps working.
    static func migrationsAreIdempotent(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        let applied = try await appliedMigrations(storage)
        if backend != .memory { #expect(applied?.isEmpty == false, "the first migration recorded its versions") }
        _ = try await storage.insertCertificate(record(1), audit: audit())
        try await storage.migrate()
        try await storage.migrate()
        try await storage.ping()
        #expect(try await appliedMigrations(storage) == applied)
        #expect(try await storage.certificate(id: "cert-1")?.serial == String(format: "%032x", 1))
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).count == 1)
        _ = try await storage.insertCertificate(record(2), audit: audit())
        #expect(try await storage.certificates(CertificateQuery(limit: 10, now: Date())).map(\.id) == ["cert-2", "cert-1"])
    }

    static func insertReadAndPageNewestFirst(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        for n in 1...5 { _ = try await storage.insertCertificate(record(n, issuer: n % 2 == 0 ? "iss-b" : "iss-a"), audit: audit()) }
        let stored = try #require(try await storage.certificate(id: "cert-3"))
        #expect(stored.sans == ["DNS:3.test"])
        #expect(stored.notBefore == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(try await storage.certificate(id: "nope") == nil)

        let first = try await storage.certificates(CertificateQuery(limit: 2, now: Date()))
        #expect(first.map(\.id) == ["cert-5", "cert-4"])
        let second = try await storage.certificates(CertificateQuery(beforeSeq: first.last?.seq, limit: 2, now: Date()))
        #expect(second.map(\.id) == ["cert-3", "cert-2"])
        let onlyB = try await storage.certificates(CertificateQuery(issuerID: "iss-b", limit: 10, now: Date()))
        #expect(onlyB.map(\.id) == ["cert-4", "cert-2"])
    }

    static func statusFilters(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        _ = try await storage.insertCertificate(record(1), audit: audit())
        _ = try await storage.insertCertificate(record(2, notAfter: Date().addingTimeInterval(-10)), audit: audit())
        _ = try await storage.insertCertificate(record(3), audit: audit())
        _ = try await storage.revokeCertificate(id: "cert-3", at: Date(), reason: .superseded, audit: audit(AuditAction.certRevoked))
        func ids(_ status: CertificateStatus) async throws -> [String] {
            try await storage.certificates(CertificateQuery(status: status, limit: 10, now: Date())).map(\.id)
        }
        #expect(try await ids(.active) == ["cert-1"])
        #expect(try await ids(.expired) == ["cert-2"])
        #expect(try await ids(.revoked) == ["cert-3"])
    }

    static func revocationIsDecidedOnceWithItsAuditRow(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        _ = try await storage.insertCertificate(record(1), audit: audit())
        let first = try await storage.revokeCertificate(
            id: "cert-1", at: Date(), reason: .keyCompromise, audit: audit(AuditAction.certRevoked))
        guard case .revoked(let revoked) = first else {
            Issue.record("first revocation did not revoke")
            return
        }
        #expect(revoked.revocationReason == .keyCompromise && revoked.revokedAt != nil)
        let second = try await storage.revokeCertificate(
            id: "cert-1", at: Date(), reason: .unspecified, audit: audit(AuditAction.certRevoked))
        guard case .alreadyRevoked = second else {
            Issue.record("second revocation was not refused")
            return
        }
        guard case .notFound = try await storage.revokeCertificate(id: "nope", at: Date(), reason: .unspecified, audit: audit()) else {
            Issue.record("unknown id was not reported")
            return
        }
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).map(\.action) == ["cert_revoked", "cert_issued"])
        let status = try await storage.serialStatus(issuerID: "iss-a", serial: String(format: "%032x", 1))
        #expect(status?.reason == .keyCompromise && status?.revokedAt != nil)
        #expect(try await storage.serialStatus(issuerID: "iss-b", serial: String(format: "%032x", 1)) == nil)
    }

    static func aFailedInsertLeavesNoAuditRow(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        _ = try await storage.insertCertificate(record(1), audit: audit())
        let error = await #expect(throws: HostError.self) { try await storage.insertCertificate(record(1), audit: audit()) }
        #expect(error?.code == .conflict)
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).count == 1)
    }

    static func auditDetailRoundTrips(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        try await storage.appendAudit(
            AuditEntry(
                occurredAt: Date(timeIntervalSince1970: 1_800_000_000.123), actor: "a", action: "x", target: "t",
                detail: ["k": "v \"q\""]))
        let event = try #require(try await storage.auditEvents(limit: 1, beforeSeq: nil).first)
        #expect(event.detail == ["k": "v \"q\""])
        #expect(event.occurredAt.timeIntervalSince1970 == 1_800_000_000.123)
    }

    static func apiKeysUpdateAndRevokeOnce(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        let expiry = Date(timeIntervalSince1970: 1_900_000_000)
        let key = APIKeyRecord(
            id: "k1", name: "ci", secretHash: [1, 2, 3, 255], role: .client, profiles: ["web", "mail"], createdAt: Date(), expiresAt: expiry
        )
        try await storage.insertAPIKey(key, audit: audit(AuditAction.apiKeyCreated))
        let stored = try #require(try await storage.apiKey(id: "k1"))
        #expect(stored.secretHash == [1, 2, 3, 255])
        #expect(stored.role == .client && stored.profiles == ["web", "mail"] && stored.expiresAt == expiry)
        let updated = try await storage.updateAPIKey(
            id: "k1", APIKeyChange(role: .operator, profiles: ["web"]), audit: audit(AuditAction.apiKeyUpdated))
        #expect(updated?.role == .operator && updated?.profiles == ["web"] && updated?.expiresAt == expiry)
        let cleared = try await storage.updateAPIKey(id: "k1", APIKeyChange(expiresAt: .some(nil)), audit: audit(AuditAction.apiKeyUpdated))
        #expect(cleared?.expiresAt == nil && cleared?.role == .operator)
        #expect(try await storage.apiKey(id: "k1")?.expiresAt == nil)
        #expect(try await storage.revokeAPIKey(id: "k1", at: Date(), audit: audit(AuditAction.apiKeyRevoked)) != nil)
        #expect(try await storage.revokeAPIKey(id: "k1", at: Date(), audit: audit(AuditAction.apiKeyRevoked)) == nil)
        #expect(try await storage.updateAPIKey(id: "k1", APIKeyChange(role: .admin), audit: audit(AuditAction.apiKeyPromoted)) == nil)
        #expect(try await storage.updateAPIKey(id: "nope", APIKeyChange(role: .admin), audit: audit(AuditAction.apiKeyPromoted)) == nil)
        #expect(try await storage.apiKeys().map(\.id) == ["k1"])
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).count == 4)
    }

    static func crlNumbersIncreaseAndOnlyNewerCRLsReplace(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        let numbers = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<20 { group.addTask { try await storage.allocateCRLNumber(issuerID: "iss-a", atLeast: 0) } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(numbers.sorted() == Array(1...20))
        #expect(try await storage.allocateCRLNumber(issuerID: "iss-b", atLeast: 0) == 1)
        // The floor (time in ms) wins over the counter, and the counter continues above it.
        #expect(try await storage.allocateCRLNumber(issuerID: "iss-a", atLeast: 1_000) == 1_000)
        #expect(try await storage.allocateCRLNumber(issuerID: "iss-a", atLeast: 900) == 1_001)
        #expect(try await storage.allocateCRLNumber(issuerID: "iss-c", atLeast: 1_700_000_000_000) == 1_700_000_000_000)
        func crl(_ number: Int64) -> StoredCRL {
            StoredCRL(
                issuerID: "iss-a", number: number, der: [0x30, UInt8(number)], thisUpdate: Date(timeIntervalSince1970: 1_800_000_000),
                nextUpdate: Date(timeIntervalSince1970: 1_800_086_400), generatedAt: Date(), generationDurationMs: 3, revokedCount: 1)
        }
        try await storage.storeCRL(crl(5))
        try await storage.storeCRL(crl(4))
        #expect(try await storage.latestCRL(issuerID: "iss-a")?.number == 5)
        #expect(try await storage.latestCRL(issuerID: "iss-a")?.der == [0x30, 5])
        #expect(try await storage.latestCRLNumber(issuerID: "iss-a") == 5)
        #expect(try await storage.latestCRLNumber(issuerID: "iss-none") == nil)
        try await storage.recordCRLEvent(
            CRLGenerationEvent(issuerID: "iss-a", startedAt: Date(), durationMs: 2, succeeded: true, crlNumber: 5, revokedCount: 1))
        try await storage.recordCRLEvent(
            CRLGenerationEvent(issuerID: "iss-a", startedAt: Date(), durationMs: 1, succeeded: false, crlNumber: nil, revokedCount: nil)
        )
        let events = try await storage.crlEvents(issuerID: "iss-a", limit: 10)
        #expect(events.map(\.succeeded) == [false, true] && events.last?.crlNumber == 5)
    }

    static func ocspCacheNeverKeepsAGoodResponseAcrossARevocation(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        _ = try await storage.insertCertificate(record(1), audit: audit())
        let serial = String(format: "%032x", 1)
        let now = Date()
        let good = CachedOCSPResponse(
            issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", der: [1, 2, 3], thisUpdate: now,
            nextUpdate: now.addingTimeInterval(3600))
        try await storage.storeOCSPResponse(good, signedAsRevoked: false)
        #expect(
            try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", now: now)?.der == [1, 2, 3])
        _ = try await storage.revokeCertificate(id: "cert-1", at: now, reason: .keyCompromise, audit: audit(AuditAction.certRevoked))
        #expect(try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", now: now) == nil)
        // A "good" signed before the revocation but stored after it is refused.
        try await storage.storeOCSPResponse(good, signedAsRevoked: false)
        #expect(try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", now: now) == nil)
        // Serials the issuer never issued are never cached.
        try await storage.storeOCSPResponse(
            CachedOCSPResponse(
                issuerID: "iss-a", serial: "ff", certIDKey: "k", der: [9], thisUpdate: now, nextUpdate: now.addingTimeInterval(60)),
            signedAsRevoked: false)
        #expect(try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: "ff", certIDKey: "k", now: now) == nil)
        let revoked = CachedOCSPResponse(
            issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", der: [4], thisUpdate: now, nextUpdate: now.addingTimeInterval(1))
        try await storage.storeOCSPResponse(revoked, signedAsRevoked: true)
        #expect(try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: serial, certIDKey: "sha1:x", now: now)?.der == [4])
        #expect(try await storage.pruneOCSPCache(now: now.addingTimeInterval(5)) == 1)
    }

    static func respondersAreVersionedAndRotationClearsTheCache(_ storage: any HostStorage, _ backend: StorageBackend) async throws {
        _ = try await storage.insertCertificate(record(1), audit: audit())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await storage.storeOCSPResponse(
            CachedOCSPResponse(
                issuerID: "iss-a", serial: String(format: "%032x", 1), certIDKey: "k", der: [1], thisUpdate: now,
                nextUpdate: now.addingTimeInterval(3600)),
            signedAsRevoked: false)
        for n in 1...2 {
            try await storage.insertResponder(
                ResponderRecord(
                    issuerID: "iss-a", serial: "r\(n)", certificatePEM: "pem\(n)", keyFileName: "k\(n)", notBefore: now,
                    notAfter: now.addingTimeInterval(86_400)),
                audit: audit(AuditAction.ocspResponderRotated))
        }
        #expect(try await storage.currentResponder(issuerID: "iss-a")?.serial == "r2")
        #expect(try await storage.currentResponder(issuerID: "iss-b") == nil)
        #expect(
            try await storage.cachedOCSPResponse(issuerID: "iss-a", serial: String(format: "%032x", 1), certIDKey: "k", now: now) == nil
        )
    }
}

/// The storage contract on the in-memory storage and SQLite.
@Suite struct StorageTests {
    @Test(arguments: [StorageBackend.memory, .sqlite], StorageContract.Check.allCases)
    func contract(backend: StorageBackend, check: StorageContract.Check) async throws {
        try await StorageContract.run(check, on: backend)
    }
}

/// The storage contract on PostgreSQL: a fresh database per check in the cluster `scripts/test.sh`
/// starts. Reported as skipped, with the reason, when `CERTCTL_TEST_POSTGRES_URL` is not set.
@Suite(.enabled(if: StorageBackend.postgresAvailable, Comment(rawValue: StorageBackend.postgresMissing)))
struct PostgresStorageTests {
    @Test(arguments: StorageContract.Check.allCases)
    func contract(check: StorageContract.Check) async throws {
        try await StorageContract.run(check, on: .postgres)
    }
}
