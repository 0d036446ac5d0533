import ConnectorAPI
import Foundation
import Testing

@testable import Host

@Suite struct SQLiteStorageTests {
    func record(_ n: Int, issuer: String = "iss-a", notAfter: Date = Date().addingTimeInterval(86_400)) -> CertificateRecord {
        CertificateRecord(
            seq: 0, id: "cert-\(n)", issuerID: issuer, serial: String(format: "%032x", n), subject: "CN=\(n)", sans: ["DNS:\(n).test"],
            notBefore: Date(timeIntervalSince1970: 1_700_000_000), notAfter: notAfter, revokedAt: nil, revocationReason: nil,
            certificatePEM: "pem", chainPEM: "chain", createdAt: Date(), createdBy: "test"
        )
    }

    func audit(_ action: String = AuditAction.certIssued) -> AuditEntry {
        AuditEntry(occurredAt: Date(), actor: "test", action: action, target: "t")
    }

    @Test func migrationsAreIdempotent() async throws {
        let storage = try await SQLiteStorage.migrated()
        try await storage.migrate()
        try await storage.ping()
    }

    @Test func insertReadAndPageNewestFirst() async throws {
        let storage = try await SQLiteStorage.migrated()
        for n in 1...5 { _ = try await storage.insertCertificate(record(n, issuer: n % 2 == 0 ? "iss-b" : "iss-a"), audit: audit()) }
        let stored = try #require(try await storage.certificate(id: "cert-3"))
        #expect(stored.sans == ["DNS:3.test"])
        #expect(stored.notBefore == Date(timeIntervalSince1970: 1_700_000_000))

        let first = try await storage.certificates(CertificateQuery(limit: 2, now: Date()))
        #expect(first.map(\.id) == ["cert-5", "cert-4"])
        let second = try await storage.certificates(CertificateQuery(beforeSeq: first.last?.seq, limit: 2, now: Date()))
        #expect(second.map(\.id) == ["cert-3", "cert-2"])
        let onlyB = try await storage.certificates(CertificateQuery(issuerID: "iss-b", limit: 10, now: Date()))
        #expect(onlyB.map(\.id) == ["cert-4", "cert-2"])
    }

    @Test func statusFilters() async throws {
        let storage = try await SQLiteStorage.migrated()
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

    @Test func revocationIsDecidedOnceWithItsAuditRow() async throws {
        let storage = try await SQLiteStorage.migrated()
        _ = try await storage.insertCertificate(record(1), audit: audit())
        guard
            case .revoked(let revoked) = try await storage.revokeCertificate(
                id: "cert-1", at: Date(), reason: .keyCompromise, audit: audit(AuditAction.certRevoked))
        else {
            Issue.record("first revocation did not revoke")
            return
        }
        #expect(revoked.revocationReason == .keyCompromise)
        guard
            case .alreadyRevoked = try await storage.revokeCertificate(
                id: "cert-1", at: Date(), reason: .unspecified, audit: audit(AuditAction.certRevoked))
        else {
            Issue.record("second revocation was not refused")
            return
        }
        guard case .notFound = try await storage.revokeCertificate(id: "nope", at: Date(), reason: .unspecified, audit: audit()) else {
            Issue.record("unknown id was not reported")
            return
        }
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).map(\.action) == ["cert_revoked", "cert_issued"])
    }

    @Test func aFailedInsertLeavesNoAuditRow() async throws {
        let storage = try await SQLiteStorage.migrated()
        _ = try await storage.insertCertificate(record(1), audit: audit())
        let error = await #expect(throws: HostError.self) { try await storage.insertCertificate(record(1), audit: audit()) }
        #expect(error?.code == .conflict)
        #expect(try await storage.auditEvents(limit: 10, beforeSeq: nil).count == 1)
    }

    @Test func auditDetailRoundTrips() async throws {
        let storage = try await SQLiteStorage.migrated()
        try await storage.appendAudit(
            AuditEntry(
                occurredAt: Date(timeIntervalSince1970: 1_800_000_000.123), actor: "a", action: "x", target: "t", detail: ["k": "v \"q\""]))
        let event = try #require(try await storage.auditEvents(limit: 1, beforeSeq: nil).first)
        #expect(event.detail == ["k": "v \"q\""])
        #expect(event.occurredAt.timeIntervalSince1970 == 1_800_000_000.123)
    }
}
